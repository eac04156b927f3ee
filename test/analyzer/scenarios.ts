import type { FindingKind, Unitwork } from "../../src";
import { Brackets, In } from "typeorm";
import { Article, Author, Category, Comment, LedgerEntry, Post, Tag, Visit } from "./blog-schema";
import { loadAuthor } from "./scenario-helpers";

/** One labelled scenario: what it runs and the findings a perfect analyzer reports. */
export interface Scenario {
  name: string;
  /** The kinds expected, with how many findings of each. Empty: a clean case. */
  expect: Partial<Record<FindingKind, number>>;
  /** Clean cases that naive detectors get wrong. */
  tricky?: boolean;
  /** Runs on the instance with slowQueryMs 200 and explainSlowQueries. */
  slow?: boolean;
  /** Runs on the instance with overFetching (over-fetching-scenarios.ts). */
  overFetching?: boolean;
  run(uw: Unitwork): Promise<unknown>;
}

const authors = (uw: Unitwork) => uw.repositories.create(Author);
const posts = (uw: Unitwork) => uw.repositories.create(Post);
const comments = (uw: Unitwork) => uw.repositories.create(Comment);
const firstPosts = (uw: Unitwork, n = 6) => posts(uw).findMany({ orderBy: "id", limit: n });

async function walk(uw: Unitwork, ids: number[], at: number): Promise<void> {
  if (at >= ids.length) return;
  await uw.dataSource.manager.findOneBy(Post, { id: ids[at]! });
  await walk(uw, ids, at + 1);
}

export const scenarios: Scenario[] = [
  // ------------------------------------------------------------ N+1 of every kind
  {
    name: "sequential loop: getById per post",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const post of await firstPosts(uw)) await authors(uw).getById(post.authorId);
    },
  },
  {
    name: "Promise.all fan-out: getById per post",
    expect: { "n+1": 1 },
    async run(uw) {
      const list = await firstPosts(uw);
      await Promise.all(list.map((post) => authors(uw).getById(post.authorId)));
    },
  },
  {
    name: "helper in another file called in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const post of await firstPosts(uw)) await loadAuthor(uw, post.authorId);
    },
  },
  {
    name: "recursion: one query per level",
    expect: { "n+1": 1 },
    async run(uw) {
      await walk(uw, [1, 2, 3, 4, 5, 6, 7], 0);
    },
  },
  {
    name: "children per parent: findMany posts by author in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const author of await authors(uw).findMany({ orderBy: "id" })) await posts(uw).findMany({ where: { authorId: author.id } });
    },
  },
  {
    name: "TypeORM manager.find in a loop inside a unit of work",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (let id = 1; id <= 5; id++) await ctx.manager.find(Comment, { where: { postId: id } });
      });
    },
  },
  {
    name: "query builder getMany in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const post of await firstPosts(uw, 4)) {
        await uw.dataSource.manager.createQueryBuilder(Comment, "c").where("c.postId = :id", { id: post.id }).getMany();
      }
    },
  },
  {
    name: "findOne with a joined relation per id",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let id = 1; id <= 4; id++) await uw.dataSource.manager.findOne(Post, { where: { id }, relations: { author: true } });
    },
  },
  {
    name: "raw manager.query in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let id = 1; id <= 4; id++) await uw.dataSource.query(`SELECT * FROM comment WHERE "postId" = $1`, [id]);
    },
  },
  {
    name: "getById with relations (a unitwork operation) called in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let id = 1; id <= 4; id++) await posts(uw).getById(id, { relations: { comments: true } });
    },
  },
  {
    name: "IN-list per iteration with overlapping keys",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let id = 1; id <= 4; id++) await authors(uw).findMany({ where: { id: { in: [id, id + 1] } } });
    },
  },
  {
    name: "writes in a loop: create per row",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (let i = 0; i < 4; i++) await ctx.repository(Comment).create({ body: `loop ${i}`, postId: 1 });
      });
    },
  },
  {
    name: "writes in a loop: update per row",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (let id = 1; id <= 4; id++) await ctx.repository(Comment).update(id, { body: `edited ${id}` });
      });
    },
  },
  {
    name: "writes in a loop: TypeORM save per entity",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let i = 0; i < 3; i++) await uw.dataSource.getRepository(Author).insert({ name: `saved ${i}` });
    },
  },
  // ------------------------------------------------------------ duplicates
  {
    name: "the same getById three times",
    expect: { duplicate: 1 },
    async run(uw) {
      await authors(uw).getById(1);
      await authors(uw).getById(1);
      await authors(uw).getById(1);
    },
  },
  {
    name: "the same raw query from two call sites",
    expect: { duplicate: 1 },
    async run(uw) {
      await uw.dataSource.query(`SELECT * FROM post WHERE "authorId" = $1`, [2]);
      await uw.dataSource.query(`SELECT * FROM post WHERE "authorId" = $1`, [2]);
    },
  },
  {
    name: "a repeated read with a write to another table in between",
    expect: { duplicate: 1 },
    async run(uw) {
      await authors(uw).getById(2);
      await comments(uw).create({ body: "unrelated", postId: 2 });
      await authors(uw).getById(2);
    },
  },
  {
    name: "a loop reading the same row each time",
    expect: { duplicate: 1 },
    async run(uw) {
      for (let i = 0; i < 4; i++) await authors(uw).getById(3);
    },
  },
  // ------------------------------------------------------------ slow
  {
    name: "slow selective filter on a large table",
    expect: { slow: 1 },
    slow: true,
    async run(uw) {
      await uw.dataSource.query(`SELECT * FROM visit WHERE "userId" = $1 AND (SELECT pg_sleep(0.3)) IS NOT NULL`, [42]);
    },
  },
  {
    name: "slow whole-table aggregate",
    expect: { slow: 1 },
    slow: true,
    async run(uw) {
      await uw.dataSource.query(`SELECT count(*) FROM visit WHERE (SELECT pg_sleep(0.3)) IS NOT NULL`);
    },
  },
  // ------------------------------------------------------------ clean, tricky
  {
    name: "offset pagination loop",
    expect: {},
    tricky: true,
    async run(uw) {
      for (let offset = 0; offset < 18; offset += 4) await posts(uw).findMany({ orderBy: "id", limit: 4, offset });
    },
  },
  {
    name: "keyset pagination loop written by the application",
    expect: {},
    tricky: true,
    async run(uw) {
      let after = 0;
      for (;;) {
        const page = await uw.dataSource.manager.createQueryBuilder(Post, "p").where("p.id > :after", { after }).orderBy("p.id").limit(4).getMany();
        if (!page.length) break;
        after = page[page.length - 1]!.id;
      }
    },
  },
  {
    name: "paginate() page by page with relations",
    expect: {},
    tricky: true,
    async run(uw) {
      for (let page = 1; page <= 5; page++) await posts(uw).paginate({ page, pageSize: 4, orderBy: "id", relations: { author: true } });
    },
  },
  {
    name: "paginateByCursor() walk",
    expect: {},
    tricky: true,
    async run(uw) {
      let after: string | undefined;
      for (;;) {
        const page = await posts(uw).paginateByCursor({ first: 4, after, orderBy: "id" });
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor!;
      }
    },
  },
  {
    name: "keyset pagination with a composite cursor (a < $1 OR (a = $1 AND id > $2))",
    expect: {},
    tricky: true,
    async run(uw) {
      let cursor = { authorId: 0, id: 0 };
      for (;;) {
        const page = await uw.dataSource.manager
          .createQueryBuilder(Post, "p")
          .where(new Brackets((qb) => qb.where('p."authorId" > :a', { a: cursor.authorId }).orWhere('(p."authorId" = :a AND p.id > :id)', { id: cursor.id })))
          .orderBy('p."authorId"').addOrderBy("p.id").limit(5).getMany();
        if (!page.length) break;
        const last = page[page.length - 1]!;
        cursor = { authorId: last.authorId, id: last.id };
      }
    },
  },
  {
    name: "chunked batch reads with disjoint keys",
    expect: {},
    tricky: true,
    async run(uw) {
      const ids = Array.from({ length: 18 }, (_, i) => i + 1);
      for (let at = 0; at < ids.length; at += 5) await posts(uw).findMany({ where: { id: { in: ids.slice(at, at + 5) } } });
    },
  },
  {
    name: "the same helper from different call sites",
    expect: {},
    tricky: true,
    async run(uw) {
      await loadAuthor(uw, 1);
      await loadAuthor(uw, 2);
      await loadAuthor(uw, 3);
      await loadAuthor(uw, 4);
    },
  },
  {
    name: "a loop below the threshold (2 iterations)",
    expect: {},
    tricky: true,
    async run(uw) {
      for (const id of [1, 2]) await authors(uw).getById(id);
    },
  },
  {
    name: "bulkInsert of many rows (unitwork's own chunks)",
    expect: {},
    tricky: true,
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        await ctx.repository(Comment).bulkInsert(Array.from({ length: 300 }, (_, i) => ({ body: `bulk ${i}`, postId: 1 + (i % 18) })), { chunkSize: 50 } as never);
      });
    },
  },
  {
    name: "the fix: loadRelations after one list query",
    expect: {},
    tricky: true,
    async run(uw) {
      const list = await firstPosts(uw);
      await posts(uw).loadRelations(list, { author: true, comments: true });
    },
  },
  {
    name: "a read repeated after a write to its own table",
    expect: {},
    tricky: true,
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        await ctx.repository(Author).getById(5);
        await ctx.repository(Author).update(5, { name: "renamed" });
        await ctx.repository(Author).getById(5);
      });
    },
  },
  {
    name: "reads without tables repeated (SELECT now())",
    expect: {},
    tricky: true,
    async run(uw) {
      for (let i = 0; i < 4; i++) await uw.dataSource.query("SELECT now(), $1::int AS i", [i]);
      await uw.dataSource.query("SELECT now()");
      await uw.dataSource.query("SELECT now()");
    },
  },
  {
    name: "multi-row INSERT batches written by the application",
    expect: {},
    tricky: true,
    async run(uw) {
      for (let batch = 0; batch < 4; batch++) {
        await uw.dataSource.manager.createQueryBuilder().insert().into(Comment)
          .values(Array.from({ length: 5 }, (_, i) => ({ body: `batch ${batch}.${i}`, postId: 1 }))).execute();
      }
    },
  },
  {
    name: "nested units of work in a loop (savepoints only)",
    expect: {},
    tricky: true,
    async run(uw) {
      await uw.unitOfWork.run(async () => {
        for (let i = 0; i < 5; i++) await uw.unitOfWork.run(async () => undefined, { propagation: "nested" });
      });
    },
  },
  {
    name: "fast statements on the slow-query instance",
    expect: {},
    tricky: true,
    slow: true,
    async run(uw) {
      await uw.repositories.create(Visit).count({ userId: 7 });
      await authors(uw).findMany({ orderBy: "id" });
    },
  },
];

// ------------------------------------------------------------ statements TypeORM issues on its own
const articlesOf = (uw: Unitwork) => uw.dataSource.manager.find(Article, { order: { id: "ASC" }, take: 6 });

scenarios.push(
  {
    name: "lazy many-to-one awaited in a loop (await article.category)",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const article of await articlesOf(uw)) await article.category;
    },
  },
  {
    name: "lazy one-to-many awaited in a loop (await category.articles)",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const category of await uw.dataSource.manager.find(Category, { order: { id: "ASC" } })) await category.articles;
    },
  },
  {
    name: "lazy relations awaited in a Promise.all fan-out",
    expect: { "n+1": 1 },
    async run(uw) {
      const list = await articlesOf(uw);
      await Promise.all(list.map((article) => article.category));
    },
  },
  {
    name: "lazy relation awaited in a loop inside a unit of work",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (const article of await ctx.manager.find(Article, { order: { id: "ASC" }, take: 5 })) await article.category;
      });
    },
  },
  {
    name: "RelationQueryBuilder .of(entity).loadOne() in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      for (const article of await articlesOf(uw)) {
        await uw.dataSource.createQueryBuilder().relation(Article, "category").of(article).loadOne();
      }
    },
  },
  {
    name: "findOneBy per id of an entity with an eager relation (joined by TypeORM)",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let id = 1; id <= 4; id++) await uw.dataSource.manager.findOneBy(Article, { id });
    },
  },
  {
    name: "cascaded save in a loop (the article and its tags per iteration)",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (let i = 0; i < 3; i++) {
          await ctx.manager.save(Article, { title: `cascade ${i}`, categoryId: 1, tags: [{ label: `t${i}` }, { label: `u${i}` }] } as never);
        }
      });
    },
  },
  {
    name: "save() of a changed relation per entity in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (const article of await ctx.manager.find(Article, { where: { categoryId: 2 }, relations: { tags: true }, order: { id: "ASC" } })) {
          article.tags = [...(article.tags ?? []), Object.assign(new Tag(), { label: `more ${article.id}` })];
          await ctx.manager.save(article);
        }
      });
    },
  },
  {
    name: "a subscriber's afterInsert query, inserts in a loop",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        for (let account = 1; account <= 4; account++) await ctx.manager.insert(LedgerEntry, { accountId: account, amount: 5 });
      });
    },
  },
  {
    name: "a subscriber's afterLoad query per loaded row (one find)",
    expect: { "n+1": 1 },
    async run(uw) {
      await uw.dataSource.manager.find(LedgerEntry, { where: { accountId: In([1, 2, 3, 4]) }, order: { id: "ASC" }, take: 4 });
    },
  },
  {
    name: "cached find per id in a loop (query-result cache misses)",
    expect: { "n+1": 1 },
    async run(uw) {
      for (let id = 1; id <= 4; id++) await uw.dataSource.manager.find(Post, { where: { id }, cache: 60_000 });
    },
  },
  // clean
  {
    name: "one lazy relation awaited twice (TypeORM keeps the loaded value)",
    expect: {},
    tricky: true,
    async run(uw) {
      const [article] = await articlesOf(uw);
      await article!.category;
      await article!.category;
      await article!.category;
    },
  },
  {
    name: "one find of many rows with an eager relation",
    expect: {},
    tricky: true,
    async run(uw) {
      await uw.dataSource.manager.find(Article, { order: { id: "ASC" } });
    },
  },
  {
    name: "a cascaded save of one article with several tags",
    expect: {},
    tricky: true,
    async run(uw) {
      await uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.save(Article, { title: "one cascade", categoryId: 3, tags: [1, 2, 3, 4].map((i) => ({ label: `c${i}` })) } as never);
      });
    },
  },
  {
    name: "the same cached find repeated (query-result cache hits)",
    expect: {},
    tricky: true,
    async run(uw) {
      for (let i = 0; i < 4; i++) await uw.dataSource.manager.find(Post, { where: { authorId: 3 }, cache: 60_000 });
    },
  },
);

// ------------------------------------------------------------ contention (units of work of this process, run concurrently)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A unit of work that runs `sql` (taking its locks), then keeps its transaction open for `holdMs`;
 * `locked` resolves once the locks are taken (the waiter starts then, whatever the machine's load).
 */
export function holdLocks(uw: Unitwork, sql: string, holdMs: number, name = "holder"): { locked: Promise<void>; done: Promise<void> } {
  let signal!: () => void;
  const locked = new Promise<void>((resolve) => (signal = resolve));
  const done = uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query(sql);
    signal();
    await sleep(holdMs);
  }, { name });
  done.catch(() => signal());
  return { locked, done };
}

/** A unit of work updates author `id` once another has locked its row, which it then holds for `holdMs`. */
async function updateBehindHolder(uw: Unitwork, id: number, holdMs: number, name: string): Promise<void> {
  const holder = holdLocks(uw, `UPDATE author SET name = name WHERE id = ${id}`, holdMs);
  await holder.locked;
  await uw.unitOfWork.run((ctx) => ctx.manager.update(Author, id, { name: `author ${id}` }), { name });
  await holder.done;
}

scenarios.push(
  {
    name: "contention: an UPDATE waits on a row another unit of work holds for 600 ms",
    expect: { contention: 1 },
    run: (uw) => updateBehindHolder(uw, 1, 600, "waiter"),
  },
  {
    name: "contention: SELECT … FOR UPDATE queue workers without SKIP LOCKED wait for each other",
    expect: { contention: 1 },
    async run(uw) {
      const worker = (name: string, holdMs: number) => holdLocks(uw, `SELECT id FROM post ORDER BY id LIMIT 1 FOR UPDATE`, holdMs, name);
      const first = worker("worker 1", 600);
      await first.locked;
      await Promise.all([first.done, worker("worker 2", 0).done]);
    },
  },
  {
    name: "contention: lockTimeoutMs expires (LockTimeoutError, 55P03)",
    expect: { contention: 1 },
    async run(uw) {
      const holder = holdLocks(uw, `UPDATE post SET title = title WHERE id = 2`, 500);
      await holder.locked;
      const error = await uw.unitOfWork.run((ctx) => ctx.manager.update(Post, 2, { title: "post 2" }), { name: "impatient", lockTimeoutMs: 100 }).catch((e: unknown) => e);
      await holder.done;
      if ((error as { code?: string })?.code !== "LOCK_TIMEOUT") throw new Error(`expected LockTimeoutError, got ${String(error)}`);
    },
  },
  {
    name: "contention: two units of work lock two rows in opposite order (deadlock 40P01, and the survivor's wait)",
    expect: { contention: 2 },
    async run(uw) {
      let arrived = 0;
      let open!: () => void;
      const bothLocked = new Promise<void>((resolve) => (open = resolve));
      const transfer = (from: number, to: number, name: string) => uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query(`UPDATE author SET name = name WHERE id = $1`, [from]);
        if (++arrived === 2) open();
        await bothLocked;
        await ctx.manager.query(`UPDATE author SET name = name || '' WHERE id = $1`, [to]);
      }, { name });
      const outcomes = await Promise.allSettled([transfer(3, 4, "transfer 3→4"), transfer(4, 3, "transfer 4→3")]);
      if (!outcomes.some((o) => o.status === "rejected" && (o.reason as { code?: string }).code === "DEADLOCK")) throw new Error("expected a deadlock");
    },
  },
  {
    name: "contention: REPEATABLE READ unit updates a row another unit changed (serialization failure 40001)",
    expect: { contention: 1 },
    async run(uw) {
      let release!: () => void;
      let snapshotTaken!: () => void;
      const changed = new Promise<void>((resolve) => (release = resolve));
      const read = new Promise<void>((resolve) => (snapshotTaken = resolve));
      const reader = uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query(`SELECT name FROM author WHERE id = 5`);
        snapshotTaken();
        await changed;
        await ctx.manager.query(`UPDATE author SET name = name || '' WHERE id = 5`);
      }, { name: "snapshot reader", isolation: "REPEATABLE READ" }).catch((e: unknown) => e);
      await read;
      await uw.unitOfWork.run((ctx) => ctx.manager.query(`UPDATE author SET name = name WHERE id = 5`), { name: "writer" });
      release();
      const error = await reader;
      if ((error as { code?: string })?.code !== "SERIALIZATION_FAILURE") throw new Error(`expected SerializationFailureError, got ${String(error)}`);
    },
  },
  {
    name: "contention: a DELETE of a parent row waits on a unit inserting a child (unindexed foreign key)",
    expect: { contention: 1 },
    async run(uw) {
      const child = holdLocks(uw, `INSERT INTO comment (body, "postId") VALUES ('pins post 7', 7)`, 600, "commenter");
      await child.locked;
      const error = await uw.unitOfWork.run((ctx) => ctx.manager.delete(Post, { id: 7 }), { name: "post remover" }).catch((e: unknown) => e);
      await child.done;
      if ((error as { code?: string })?.code !== "FOREIGN_KEY_VIOLATION") throw new Error(`expected the DELETE to fail on the new comment, got ${String(error)}`);
    },
  },
  // clean
  {
    name: "a lock wait shorter than lockWaitMs (at most 100 ms)",
    expect: {},
    tricky: true,
    run: (uw) => updateBehindHolder(uw, 6, 100, "brief waiter"),
  },
  {
    name: "SKIP LOCKED queue workers each take a free row without waiting",
    expect: {},
    tricky: true,
    async run(uw) {
      const worker = (name: string) => uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query(`UPDATE comment SET body = body WHERE id = (SELECT id FROM comment ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`);
        await sleep(300);
      }, { name });
      await Promise.all([worker("worker a"), worker("worker b"), worker("worker c")]);
    },
  },
  {
    name: "concurrent units of work reading the same row (not each other's duplicates)",
    expect: {},
    tricky: true,
    async run(uw) {
      await Promise.all([1, 2, 3].map((i) => uw.unitOfWork.run((ctx) => ctx.manager.query(`SELECT name FROM author WHERE id = $1`, [2]), { name: `reader ${i}` })));
    },
  },
);
