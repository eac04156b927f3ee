import type { Unitwork } from "../../src";
import { Article, Author, Post } from "./blog-schema";
import type { Scenario } from "./scenarios";

const posts = (uw: Unitwork) => uw.repositories.create(Post);
const authors = (uw: Unitwork) => uw.repositories.create(Author);

/**
 * Over-fetching (run on an instance with `overFetching: true`): relations loaded and never read, and
 * the tricky clean cases where the relation is read in a way a naive detector misses.
 */
export const overFetchingScenarios: Scenario[] = [
  {
    name: "over-fetching: findMany loads the author, only titles are used",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const list = await posts(uw).findMany({ orderBy: "id", limit: 6, relations: { author: true } });
      return list.map((post) => post.title).length;
    },
  },
  {
    name: "over-fetching: getById loads comments nobody reads",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const post = await posts(uw).getById(3, { relations: { comments: true } });
      return post?.title.length;
    },
  },
  {
    name: "over-fetching: a page with relations, only the ids used",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const page = await posts(uw).paginate({ page: 1, pageSize: 5, orderBy: "id", relations: { author: true } });
      return page.items.map((post) => post.id).length;
    },
  },
  {
    name: "over-fetching: two relations loaded, one read",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const list = await posts(uw).findMany({ orderBy: "id", limit: 4, relations: { author: true, comments: true } });
      return list.map((post) => post.author?.name).length;
    },
  },
  {
    name: "over-fetching: a nested relation under a read one (posts read, posts.comments not)",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const list = await authors(uw).findMany({ orderBy: "id", limit: 2, relations: { posts: { comments: true } } });
      return list.flatMap((author) => author.posts!.map((post) => post.title)).length;
    },
  },
  {
    name: "over-fetching: loadRelations whose relations are never read",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const list = await posts(uw).findMany({ orderBy: "id", limit: 4 });
      await posts(uw).loadRelations(list, { author: true });
      return list.length;
    },
  },
  {
    name: "over-fetching: TypeORM find with an eager relation nobody reads",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const list = await uw.dataSource.manager.find(Article, { order: { id: "ASC" }, take: 4 });
      return list.map((article) => article.title).length;
    },
  },
  {
    name: "over-fetching: TypeORM repository find with relations nobody reads",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      const list = await uw.dataSource.getRepository(Post).find({ where: { authorId: 3 }, relations: { comments: true } });
      return list.length;
    },
  },
  {
    name: "over-fetching: inside a unit of work, nothing returned",
    expect: { "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        const list = await ctx.repository(Post).findMany({ where: { authorId: 4 }, relations: { author: true } });
        await ctx.repository(Post).update(list[0]!.id, { title: "retitled" });
      });
    },
  },
  {
    name: "over-fetching and N+1 at once: getById with relations per id, relation never read",
    expect: { "n+1": 1, "over-fetching": 1 },
    overFetching: true,
    async run(uw) {
      let titles = 0;
      for (let id = 1; id <= 4; id++) titles += (await posts(uw).getById(id, { relations: { author: true } }))!.title.length;
      return titles;
    },
  },
  // clean
  {
    name: "over-fetching clean: the relation is read only after a later await",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const post = await posts(uw).getById(2, { relations: { author: true } });
      await uw.dataSource.query("SELECT 1");
      await new Promise((resolve) => setTimeout(resolve, 5));
      return post!.author!.name;
    },
  },
  {
    name: "over-fetching clean: the rows are serialized with JSON.stringify",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const list = await posts(uw).findMany({ orderBy: "id", limit: 3, relations: { author: true, comments: true } });
      return JSON.stringify(list).length;
    },
  },
  {
    name: "over-fetching clean: the relations are destructured",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const { author, comments } = (await posts(uw).getById(5, { relations: { author: true, comments: true } }))!;
      return [author?.id, comments?.length];
    },
  },
  {
    name: "over-fetching clean: loaded and read in a loop",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const names: string[] = [];
      for (const post of await posts(uw).findMany({ orderBy: "id", limit: 5, relations: { author: true } })) names.push(post.author!.name);
      return names.length;
    },
  },
  {
    name: "over-fetching clean: a to-many relation whose array is iterated",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      let bodies = 0;
      for (const post of await posts(uw).findMany({ orderBy: "id", limit: 3, relations: { comments: true } })) {
        for (const comment of post.comments!) bodies += comment.body.length;
      }
      return bodies;
    },
  },
  {
    name: "over-fetching clean: the relation is read in only some iterations",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      let names = 0;
      for (const id of [1, 2]) {
        const post = await posts(uw).getById(id, { relations: { author: true } });
        if (id === 2) names += post!.author!.name.length;
      }
      return names;
    },
  },
  {
    name: "over-fetching clean: the entities are the scope's result (the caller, e.g. an HTTP response, reads them)",
    expect: {},
    tricky: true,
    overFetching: true,
    run: (uw) => posts(uw).findMany({ orderBy: "id", limit: 2, relations: { author: true } }),
  },
  {
    name: "over-fetching clean: a unit of work returns the rows, read after it",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const list = await uw.unitOfWork.run((ctx) => ctx.repository(Post).findMany({ where: { authorId: 5 }, relations: { comments: true } }));
      return list.map((post) => post.comments!.length);
    },
  },
  {
    name: "over-fetching clean: a TypeORM find whose eager relation is read",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const list = await uw.dataSource.manager.find(Article, { order: { id: "ASC" }, take: 3 });
      return list.map((article) => article.editor?.name);
    },
  },
  {
    name: "over-fetching clean: a nested relation read through its parent",
    expect: {},
    tricky: true,
    overFetching: true,
    async run(uw) {
      const list = await authors(uw).findMany({ orderBy: "id", limit: 2, relations: { posts: { comments: true } } });
      return list.flatMap((author) => author.posts!.flatMap((post) => post.comments!.map((c) => c.id))).length;
    },
  },
];
