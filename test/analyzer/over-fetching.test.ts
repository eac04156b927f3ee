import Router from "@koa/router";
import { validate } from "class-validator";
import express from "express";
import Koa from "koa";
import { createServer, type Server } from "node:http";
import { inspect } from "node:util";
import { EntityManager } from "typeorm";
import { InvalidConfigError, QueryAnalysisError, type AnalysisReport, type Finding, type Unitwork } from "../../src";
import { resolveAnalyzerOptions } from "../../src/analyzer/analyzer-options";
import { expressHandler } from "../../src/http/express";
import { koaUnitOfWork } from "../../src/http/koa";
import { startTestServer } from "../http/http-test-server";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";
import { Article, Author, Comment, Post } from "./blog-schema";

let blog: BlogUnitwork;
let uw: Unitwork;

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_over_fetching", { mode: "log", slowQueryMs: 60_000, overFetching: true });
  uw = blog.uw;
});
afterAll(() => blog?.close());

const posts = () => uw.repositories.create(Post);
const overFetched = (report: AnalysisReport): Finding[] => report.findings.filter((f) => f.kind === "over-fetching");
const named = (report: AnalysisReport) => overFetched(report).map((f) => `${f.entity}.${f.relation}`);
const HERE = /^test\/analyzer\/over-fetching\.test\.ts:\d+:\d+$/;
const scope = <R>(fn: () => Promise<R>) => uw.analyzer.scope("over-fetching test", fn);

describe("a relation loaded and never read", () => {
  test("is a finding naming the entity, the relation, the read's call site and the fix", async () => {
    const { report } = await scope(async () => {
      const list = await posts().findMany({ orderBy: "id", limit: 6, relations: { author: true } });
      return list.map((p) => p.title).length;
    });
    const [finding, ...more] = overFetched(report);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ kind: "over-fetching", entity: "Post", relation: "author", count: 1 });
    expect(finding!.callSite).toMatch(HERE);
    expect(finding!.suggestion).toBe('findMany loaded Post.author (6 Author rows for 6 Post rows) and nothing read it before the scope ended: drop "author" from its `relations`.');
    expect(finding!.sql).toMatch(/JOIN "author"/); // the to-one relation was joined into the read's statement
  });

  test("getById, paginate and loadRelations are watched too, each at its own line", async () => {
    const { report } = await scope(async () => {
      await posts().getById(1, { relations: { comments: true } });
      await posts().paginate({ page: 1, pageSize: 3, orderBy: "id", relations: { author: true } });
      const list = await posts().findMany({ orderBy: "id", limit: 2 });
      await posts().loadRelations(list, { comments: true });
    });
    const found = overFetched(report).map((f) => [f.suggestion.split(" ")[0], `${f.entity}.${f.relation}`, HERE.test(f.callSite)]);
    expect(found).toEqual([["getById", "Post.comments", true], ["paginate", "Post.author", true], ["loadRelations", "Post.comments", true]]);
    expect(new Set(overFetched(report).map((f) => f.callSite)).size).toBe(3);
  });

  test("a nested relation whose parent relation was read is reported on its own path", async () => {
    const { report } = await scope(async () => {
      const authors = await uw.repositories.create(Author).findMany({ orderBy: "id", limit: 2, relations: { posts: { comments: true } } });
      return authors.flatMap((a) => a.posts!.map((p) => p.title)).length;
    });
    expect(named(report)).toEqual(["Post.comments"]);
    expect(overFetched(report)[0]!.suggestion).toMatch(/drop "posts\.comments" from its `relations` \(keep "posts"\)\.$/);
  });

  test("the same read in a loop is one finding counting its calls", async () => {
    const { report } = await scope(async () => {
      let titles = 0;
      for (const id of [1, 2, 3]) titles += (await posts().getById(id, { relations: { author: true } }))!.title.length;
      return titles;
    });
    expect(overFetched(report)).toEqual([expect.objectContaining({ relation: "author", count: 3 })]);
    expect(overFetched(report)[0]!.suggestion).toMatch(/^getById loaded Post\.author in 3 calls /);
  });

  test("TypeORM's own finds: `relations` and eager relations", async () => {
    const { report } = await scope(async () => {
      const articles = await uw.dataSource.manager.find(Article, { order: { id: "ASC" }, take: 4 }); // editor is eager
      const withAuthors = await uw.dataSource.getRepository(Post).find({ where: { id: 1 }, relations: { author: true } });
      const one = await uw.dataSource.manager.findOneBy(Article, { id: 5 });
      return [articles.length, withAuthors.length, one?.editor?.name];
    });
    expect(named(report)).toEqual(["Article.editor", "Post.author"]);
    const [eager, requested] = overFetched(report);
    expect(eager!.suggestion).toMatch(/^find loaded Article\.editor \(\d Author rows? for 4 Article rows\) .*: Article\.editor is eager \(\{ eager: true \}\), so every read of Article loads it: drop eager/);
    expect(requested!.suggestion).toMatch(/^find loaded Post\.author /);
    expect([eager!.callSite, requested!.callSite]).toEqual([expect.stringMatching(HERE), expect.stringMatching(HERE)]);
  });

  test("an outermost unit of work reports it (logged like every finding)", async () => {
    const reports: AnalysisReport[] = [];
    const unsubscribe = uw.analyzer.onReport((r) => reports.push(r));
    blog.logger.entries.length = 0;
    await uw.unitOfWork.run(async (ctx) => {
      const list = await ctx.repository(Post).findMany({ where: { authorId: 1 }, relations: { comments: true } });
      return list.length;
    }, { name: "count posts" });
    unsubscribe();
    expect(reports.map((r) => [r.scope, named(r)])).toEqual([["count posts", ["Post.comments"]]]);
    expect(blog.logger.entries.map((e) => e.msg)).toEqual([expect.stringMatching(/^query analyzer: over-fetching \(x1\) at test\/analyzer\/over-fetching\.test\.ts:\d+:\d+: findMany loaded Post\.comments /)]);
  });

  test("in throw mode the unit of work rolls back and throws it", async () => {
    uw.analyzer.configure({ mode: "throw" });
    try {
      const error = await uw.unitOfWork.run(async (ctx) => {
        await ctx.repository(Comment).create({ body: "never committed", postId: 1 });
        await ctx.repository(Post).getById(2, { relations: { author: true } });
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryAnalysisError);
      expect((error as QueryAnalysisError).message).toMatch(/over-fetching x1 at test\/analyzer\/over-fetching\.test\.ts:\d+:\d+: getById loaded Post\.author/);
      expect(await uw.repositories.create(Comment).count({ body: "never committed" })).toBe(0);
    } finally {
      uw.analyzer.configure({ mode: "log" });
    }
  });

  test("ignore rules drop it", async () => {
    uw.analyzer.configure({ ignore: [{ kind: "over-fetching", callSite: "over-fetching.test.ts" }] });
    try {
      const { report } = await scope(() => posts().findMany({ limit: 2, relations: { author: true } }).then((l) => l.length));
      expect(report.findings).toEqual([]);
    } finally {
      uw.analyzer.configure({ ignore: [] });
    }
  });
});

describe("a relation that is read is not a finding", () => {
  const clean: [string, () => Promise<unknown>][] = [
    ["read after a later await", async () => {
      const post = await posts().getById(3, { relations: { author: true } });
      await uw.dataSource.query("SELECT 1");
      await new Promise((resolve) => setTimeout(resolve, 5));
      return post!.author!.name.length;
    }],
    ["serialized with JSON.stringify", async () => JSON.stringify(await posts().findMany({ limit: 3, relations: { author: true, comments: true } })).length],
    ["destructured", async () => {
      const { author, comments } = (await posts().getById(4, { relations: { author: true, comments: true } }))!;
      return [author?.id, comments?.length];
    }],
    ["read in a loop over the rows", async () => {
      const names: string[] = [];
      for (const post of await posts().findMany({ orderBy: "id", limit: 4, relations: { author: true } })) names.push(post.author!.name);
      return names.length;
    }],
    ["a to-many relation whose array is iterated", async () => {
      let bodies = 0;
      const post = await posts().getById(5, { relations: { comments: true } });
      for (const comment of post!.comments!) bodies += comment.body.length;
      return bodies;
    }],
    ["loaded in a loop, read in each iteration", async () => {
      let names = 0;
      for (const id of [1, 2, 3]) names += (await posts().getById(id, { relations: { author: true } }))!.author!.name.length;
      return names;
    }],
    ["read in only some iterations of a loop (the relation is needed)", async () => {
      let names = 0;
      for (const id of [1, 2, 3]) {
        const post = await posts().getById(id, { relations: { author: true } });
        if (id === 2) names += post!.author!.name.length;
      }
      return names;
    }],
    ["copied with a spread", async () => ({ ...(await posts().getById(6, { relations: { author: true } })) }).author?.name],
    ["replaced (a write counts as a use)", async () => {
      const post = await posts().getById(7, { relations: { author: true } });
      post!.author = undefined;
      return post!.title;
    }],
    ["returned by the scope (its caller may read it)", () => posts().findMany({ limit: 2, relations: { author: true } })],
    ["returned by a unit of work and read after it, in the enclosing scope", async () => {
      const list = await uw.unitOfWork.run((ctx) => ctx.repository(Post).findMany({ limit: 2, relations: { comments: true } }));
      return list.map((p) => p.comments!.length);
    }],
    ["a TypeORM find whose eager relation is read", async () => (await uw.dataSource.manager.findOneBy(Article, { id: 2 }))?.editor?.name],
  ];

  test.each(clean)("%s", async (_name, run) => {
    const { report } = await scope(run);
    expect(overFetched(report)).toEqual([]);
  });

  test("an outermost unit of work that returns the entities: its caller may read them", async () => {
    const reports: AnalysisReport[] = [];
    const unsubscribe = uw.analyzer.onReport((r) => reports.push(r));
    const list = await uw.unitOfWork.run((ctx) => ctx.repository(Post).findMany({ limit: 2, relations: { author: true } }), { name: "returns posts" });
    unsubscribe();
    expect(list[0]!.author).toBeInstanceOf(Author);
    expect(reports.map((r) => [r.scope, r.findings])).toEqual([["returns posts", []]]);
  });
});

describe("watched entities stay what they were", () => {
  test("identity, instanceof, equality, class-validator and TypeORM save work while watched; plain properties after the scope", async () => {
    let kept: Post[] = [];
    await scope(async () => {
      const list = await posts().findMany({ where: { authorId: 2 }, orderBy: "id", relations: { author: true, comments: true } });
      kept = list;
      const [first, second] = list;
      expect(Object.getOwnPropertyDescriptor(first, "author")?.get).toBeInstanceOf(Function); // watched
      expect(first).toBeInstanceOf(Post);
      expect(first!.author).toBeInstanceOf(Author);
      expect(first!.author).toBe(first!.author); // the very value loaded, every time
      expect(first!.author).toBe(second!.author); // one Author instance for the posts of one author, as loaded
      expect(first!.comments).toBe(first!.comments);
      expect(first).toEqual(expect.objectContaining({ authorId: 2, author: expect.objectContaining({ id: 2 }) }));
      expect(Object.keys(first!)).toEqual(expect.arrayContaining(["author", "comments", "title"]));
      expect(Object.getOwnPropertySymbols({ ...first })).toEqual([]); // the watch's slots are not enumerable
      expect(new Proxy(first!, {}).author).toBe(first!.author); // also read through a proxy of the entity
      expect(inspect(first)).toContain("Post");
      expect(await validate(first!)).toEqual([]);
      first!.title = "saved while watched";
      await uw.dataSource.manager.save(first!);
      await posts().update(second!, { title: "updated while watched" });
    });
    const [first, second] = kept;
    expect(Object.getOwnPropertyDescriptor(first, "author")).toEqual({ value: first!.author, writable: true, enumerable: true, configurable: true });
    expect(Object.getOwnPropertySymbols(first)).toEqual([]);
    expect(Object.getOwnPropertyDescriptor(second, "comments")?.value).toBe(second!.comments);
    expect((await posts().getById(first!.id))!.title).toBe("saved while watched");
    expect((await posts().getById(second!.id))!.title).toBe("updated while watched");
  });

  test("an entity the application froze keeps working (its property stays watched-but-readable)", async () => {
    const { report } = await scope(async () => {
      const post = (await posts().getById(8, { relations: { author: true } }))!;
      Object.freeze(post);
      return post.author!.name;
    });
    expect(report.findings).toEqual([]);
  });
});

describe("off, and in production", () => {
  test("off (the default): nothing is watched and TypeORM's finds are not wrapped", async () => {
    const wrapped = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(uw.dataSource.manager), "find")!.value;
    uw.analyzer.configure({ overFetching: false });
    try {
      const unwrapped = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(uw.dataSource.manager), "find")!.value;
      expect(unwrapped).not.toBe(wrapped);
      const { report } = await scope(async () => {
        const [post] = await posts().findMany({ limit: 1, relations: { author: true } });
        expect(Object.getOwnPropertyDescriptor(post, "author")).toHaveProperty("value");
        const [article] = await uw.dataSource.manager.find(Article, { take: 1 });
        expect(Object.getOwnPropertyDescriptor(article, "editor")).toHaveProperty("value");
        return 0;
      });
      expect(report.findings).toEqual([]);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(uw.dataSource.manager))).toBe(EntityManager.prototype);
    } finally {
      uw.analyzer.configure({ overFetching: true });
    }
    expect(uw.analyzer.options.overFetching).toBe(true);
  });

  test("with NODE_ENV=production the option is ignored with a warning", () => {
    const env = process.env.NODE_ENV;
    blog.logger.entries.length = 0;
    process.env.NODE_ENV = "production";
    try {
      expect(resolveAnalyzerOptions({ overFetching: true }).overFetching).toBe(false);
      uw.analyzer.configure({ overFetching: true });
      expect(uw.analyzer.options.overFetching).toBe(false);
      expect(blog.logger.entries).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringMatching(/overFetching is ignored when NODE_ENV is production/) })]);
    } finally {
      process.env.NODE_ENV = env;
      uw.analyzer.configure({ overFetching: true });
    }
    expect(uw.analyzer.options.overFetching).toBe(true);
  });

  test("a value that is not a boolean is refused", () => {
    expect(() => resolveAnalyzerOptions({ overFetching: "yes" as never })).toThrow(InvalidConfigError);
  });
});

describe("HTTP: the response is serialized after the request's scope", () => {
  async function reportsOf(app: Server, paths: string[]): Promise<AnalysisReport[]> {
    const reports: AnalysisReport[] = [];
    const unsubscribe = uw.analyzer.onReport((r) => reports.push(r));
    const server = await startTestServer(app);
    try {
      for (const path of paths) expect((await server.call("GET", path)).status).toBe(200);
    } finally {
      await server.close();
      unsubscribe();
    }
    // each request's own scope ("GET /route <request id>"); its unit of work reports too, without over-fetching (nested)
    return reports.filter((r) => r.scope.split(" ").length === 3);
  }

  test("express: an entity sent as the response is read; relations the response leaves out are not", async () => {
    const app = express();
    app.get("/posts/:id", expressHandler(uw, (req, _res, s) => s.unitOfWork!.repository(Post).getById(Number(req.params.id), { relations: { author: true } })));
    app.get("/titles", expressHandler(uw, async (_req, _res, s) => (await s.unitOfWork!.repository(Post).findMany({ limit: 3, relations: { author: true } })).map((p: Post) => p.title)));
    const reports = await reportsOf(createServer(app), ["/posts/1", "/titles"]);
    expect(reports.map((r) => [r.scope.split(" ").slice(0, 2).join(" "), named(r)])).toEqual([["GET /posts/:id", []], ["GET /titles", ["Post.author"]]]);
  });

  test("koa middleware: the body set downstream is read", async () => {
    const app = new Koa();
    const router = new Router();
    app.use(koaUnitOfWork(uw));
    router.get("/posts/:id", async (ctx) => {
      ctx.body = await uw.repositories.create(Post).getById(Number(ctx.params.id), { relations: { author: true, comments: true } });
    });
    app.use(router.routes());
    const reports = await reportsOf(createServer(app.callback()), ["/posts/2"]);
    expect(reports.map((r) => named(r))).toEqual([[]]);
  });
});
