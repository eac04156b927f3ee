import { IsNull, MoreThanOrEqual, type EntityMetadata } from "typeorm";
import { InvalidConfigError, UnitworkError, type AsyncBaseRepository, type Unitwork } from "../../src";
import { ReadStatements, type ReadStatement } from "../../src/repository/read-statements";
import { plain } from "../conformance/harness";
import { describeWithPgBouncer, startPgBouncer } from "../support/pgbouncer";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { loads, ReadAuthor, readEntities, ReadNote, ReadPost } from "./read-entities";
import { captureStatements } from "./statements";

/** What the pool's clients are sent: the text of each query, and the name it was prepared under (if any). */
function clientQueries(uw: Unitwork): { sent: { text: string; name?: string }[] } {
  const sent: { text: string; name?: string }[] = [];
  const pool = (uw.dataSource.driver as unknown as { master: { on(e: "acquire", f: (c: { query: (...a: unknown[]) => unknown }) => void): void } }).master;
  const wrapped = new WeakSet<object>();
  pool.on("acquire", (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query;
    client.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0] as string | { text: string; name?: string };
      sent.push(typeof first === "string" ? { text: first } : { text: first.text, name: first.name });
      return query.apply(this, args);
    };
  });
  return { sent };
}

let t: TestUnitwork;
let posts: AsyncBaseRepository<ReadPost>;
let ids: { ada: number; gone: number; posts: number[]; deletedPost: number };
beforeAll(async () => {
  t = await openTestUnitwork({ entities: readEntities, analyzer: { mode: "off" } });
  const ds = t.uw.dataSource;
  const ada = await ds.getRepository(ReadAuthor).save({ name: "Ada" });
  const gone = await ds.getRepository(ReadAuthor).save({ name: "Gone" });
  await ds.getRepository(ReadAuthor).softDelete(gone.id);
  const rows = [
    { title: "a", price: 2.5, author: ada, stats: { views: 3, source: "web" } },
    { title: "b", price: 7.25, author: ada, stats: { views: 0, source: null } },
    { title: "c", price: 5, author: gone, stats: { views: 9, source: "app" } },
    { title: "d", price: 12, author: null, stats: { views: 1, source: "web" } },
    { title: "e", price: 0.5, author: ada, stats: { views: 2, source: "web" } },
    { title: "f", price: 9, author: ada, stats: { views: 4, source: null } },
  ];
  const saved: ReadPost[] = [];
  for (const row of rows) saved.push(await ds.getRepository(ReadPost).save(ds.getRepository(ReadPost).create(row as Partial<ReadPost>)));
  await ds.getRepository(ReadPost).softDelete(saved[5]!.id);
  await ds.getRepository(ReadNote).save([{ body: "n1", post: saved[0] }, { body: "n2", post: saved[1] }] as never);
  ids = { ada: ada.id, gone: gone.id, posts: saved.map((p) => p.id), deletedPost: saved[5]!.id };
  posts = t.uw.repositories.create(ReadPost);
});
afterAll(() => t.close());

describe("compiled read statements give TypeORM's answers, on the first, the prepared and every later call", () => {
  const orm = () => t.uw.dataSource.getRepository(ReadPost);
  const pairs: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ["getById", () => posts.getById(ids.posts[0]!), () => orm().findOne({ where: { id: ids.posts[0]! } })],
    ["getById, another id", () => posts.getById(ids.posts[3]!), () => orm().findOne({ where: { id: ids.posts[3]! } })],
    ["getById of a soft-deleted row", () => posts.getById(ids.deletedPost), () => orm().findOne({ where: { id: ids.deletedPost } })],
    ["getById withDeleted", () => posts.getById(ids.deletedPost, { withDeleted: true }), () => orm().findOne({ where: { id: ids.deletedPost }, withDeleted: true })],
    ["getById with its relation", () => posts.getById(ids.posts[1]!, { relations: { author: true } }), () => orm().findOne({ where: { id: ids.posts[1]! }, relations: { author: true } })],
    ["getById, relation soft-deleted", () => posts.getById(ids.posts[2]!, { relations: { author: true } }), () => orm().findOne({ where: { id: ids.posts[2]! }, relations: { author: true } })],
    ["a transformed column's filter", () => posts.findMany({ where: { price: { gte: 5 } }, orderBy: "id" }), () => orm().find({ where: { price: MoreThanOrEqual(5) }, order: { id: "ASC" } })],
    ["the same shape, another value", () => posts.findMany({ where: { price: { gte: 9 } }, orderBy: "id" }), () => orm().find({ where: { price: MoreThanOrEqual(9) }, order: { id: "ASC" } })],
    ["is null", () => posts.findMany({ where: { authorId: null }, orderBy: "id" }), () => orm().find({ where: { authorId: IsNull() }, order: { id: "ASC" } })],
    ["equals", () => posts.findMany({ where: { authorId: ids.ada }, orderBy: "id" }), () => orm().find({ where: { authorId: ids.ada }, order: { id: "ASC" } })],
    ["an embedded column", () => posts.findMany({ where: { stats: { source: "web" } }, orderBy: "-stats.views" }), () => orm().find({ where: { stats: { source: "web" } }, order: { stats: { views: "DESC" }, id: "ASC" } })],
    ["a joined page", () => posts.findMany({ relations: { author: true }, orderBy: "-price", limit: 3 }), () => orm().find({ relations: { author: true }, order: { price: "DESC", id: "ASC" }, take: 3 })],
    ["a joined page withDeleted", () => posts.findMany({ relations: { author: true }, orderBy: "title", withDeleted: true }), () => orm().find({ relations: { author: true }, order: { title: "ASC", id: "ASC" }, withDeleted: true })],
    ["paginate, page 1", () => posts.paginate({ page: 1, pageSize: 2, orderBy: "id" }).then((p) => [p.total, p.items]), async () => (([items, total]) => [total, items])(await orm().findAndCount({ order: { id: "ASC" }, skip: 0, take: 2 }))],
    ["paginate, page 2 of a filter", () => posts.paginate({ page: 2, pageSize: 2, where: { authorId: ids.ada }, orderBy: "id" }).then((p) => [p.total, p.items]), async () => (([items, total]) => [total, items])(await orm().findAndCount({ where: { authorId: ids.ada }, order: { id: "ASC" }, skip: 2, take: 2 }))],
    ["count", () => posts.count({ price: { gte: 5 } }), () => orm().count({ where: { price: MoreThanOrEqual(5) } })],
    ["count, another value", () => posts.count({ price: { gte: 100 } }), () => orm().count({ where: { price: MoreThanOrEqual(100) } })],
    ["exists", () => posts.exists({ title: "b" }), () => orm().exists({ where: { title: "b" } })],
    ["exists, no row", () => posts.exists({ title: "f" }), () => orm().exists({ where: { title: "f" } })],
    ["@RelationId (TypeORM's path)", () => t.uw.repositories.create(ReadNote).findMany({ orderBy: "id" }), () => t.uw.dataSource.getRepository(ReadNote).find({ order: { id: "ASC" } })],
    ["another entity's getById", () => t.uw.repositories.create(ReadAuthor).getById(ids.ada), () => t.uw.dataSource.getRepository(ReadAuthor).findOne({ where: { id: ids.ada } })],
  ];

  test("every call, three rounds, interleaved", async () => {
    for (let round = 0; round < 3; round++) {
      for (const [name, ours, theirs] of pairs) {
        const before = { ...loads };
        const mine = plain(await ours(), new Set());
        const loadsOurs = { author: loads.author - before.author, post: loads.post - before.post };
        const after = { ...loads };
        const expected = plain(await theirs(), new Set());
        const loadsTheirs = { author: loads.author - after.author, post: loads.post - after.post };
        expect({ name, round, result: mine, afterLoad: loadsOurs }).toEqual({ name, round, result: expected, afterLoad: loadsTheirs });
      }
    }
  });

  test("inside a unit of work too", async () => {
    await t.uw.unitOfWork.run(async () => {
      for (let round = 0; round < 2; round++) {
        for (const [name, ours, theirs] of pairs) expect({ name, result: plain(await ours(), new Set()) }).toEqual({ name, result: plain(await theirs(), new Set()) });
      }
    });
  });
});

describe("statement shapes", () => {
  test("a shape's second run is a named prepared statement, with the same name from then on", async () => {
    const { sent } = clientQueries(t.uw);
    for (let i = 0; i < 3; i++) await posts.findMany({ where: { title: { startsWith: "x" } }, orderBy: "-title", limit: 7 });
    const mine = sent.filter((s) => s.text.includes("LIMIT 7"));
    expect(mine.map((s) => s.name === undefined)).toEqual([true, false, false]);
    expect(mine[1]!.name).toMatch(/^uwq_[0-9a-f]{24}$/);
    expect(mine[2]!.name).toBe(mine[1]!.name);
    expect(new Set(mine.map((s) => s.text)).size).toBe(1);
  });

  test("preparedStatements: false never names one", async () => {
    const other = await openTestUnitwork({ entities: readEntities, analyzer: { mode: "off" }, repositories: { preparedStatements: false } });
    try {
      await expectUnnamedLookups(other);
    } finally {
      await other.close();
    }
  });

  test("sqlCommenter turns them off by default; a bad value is refused", async () => {
    await expect(openTestUnitwork({ entities: readEntities, repositories: { preparedStatements: "yes" as never } })).rejects.toThrow(InvalidConfigError);
    const other = await openTestUnitwork({ entities: readEntities, analyzer: { mode: "off" }, telemetry: { sqlCommenter: true } });
    try {
      const { sent } = clientQueries(other.uw);
      for (let i = 0; i < 3; i++) await other.uw.repositories.create(ReadPost).getById(1);
      expect(sent.filter((s) => s.text.includes("read_post")).every((s) => s.name === undefined)).toBe(true);
    } finally {
      await other.close();
    }
  });

  test("withDeleted, lock and entity are part of the shape", async () => {
    const authors = t.uw.repositories.create(ReadAuthor);
    for (let i = 0; i < 3; i++) {
      expect(await posts.getById(ids.deletedPost)).toBeNull();
      expect((await posts.getById(ids.deletedPost, { withDeleted: true }))?.id).toBe(ids.deletedPost);
      expect(await authors.getById(ids.posts[0]!)).toBeInstanceOf(ReadAuthor);
      expect(await posts.getById(ids.posts[0]!)).toBeInstanceOf(ReadPost);
    }
    const { statements } = await captureStatements(t.uw.dataSource, () =>
      t.uw.unitOfWork.run(async () => {
        for (let i = 0; i < 2; i++) {
          await posts.getById(ids.posts[0]!, { lock: "pessimistic_write" });
          await posts.getById(ids.posts[0]!);
        }
      }),
    );
    const reads = statements.filter((s) => s.includes("read_post"));
    expect(reads.map((s) => s.includes("FOR UPDATE"))).toEqual([true, false, true, false]);
  });

  test("a failing read is the typed error, with its SQL, prepared or not", async () => {
    for (let i = 0; i < 2; i++) {
      const failed = t.uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query("SELECT 1/0").catch(() => undefined);
        await posts.getById(ids.posts[0]!);
      });
      await expect(failed).rejects.toBeInstanceOf(UnitworkError);
      await expect(failed).rejects.toMatchObject({ sql: expect.stringContaining('FROM "read_post"'), parameters: [ids.posts[0]] });
    }
    expect((await posts.getById(ids.posts[0]!))?.title).toBe("a");
  });
});

/** Three lookups by key on `other`: none of them is sent as a named (prepared) statement. */
async function expectUnnamedLookups(other: TestUnitwork): Promise<void> {
  const { sent } = clientQueries(other.uw);
  const repo = other.uw.repositories.create(ReadPost);
  for (let i = 0; i < 3; i++) await repo.getById(1);
  expect(sent.filter((s) => s.text.includes("read_post")).map((s) => s.name)).toEqual([undefined, undefined, undefined]);
}

describeWithPgBouncer("behind PgBouncer (transaction mode)", () => {
  test("the pooler is detected (its process id is not the backend's) and reads go unnamed", async () => {
    const bouncer = await startPgBouncer({ poolSize: 1 });
    try {
      const other = await openTestUnitwork({ entities: readEntities, analyzer: { mode: "off" }, connectTo: (db) => bouncer.url(db.name) });
      try {
        await expectUnnamedLookups(other);
      } finally {
        await other.close();
      }
    } finally {
      await bouncer.stop();
    }
  });
});

describe("ReadStatements", () => {
  const statement = (text: string): ReadStatement => ({ text, names: [], uses: 0 });
  const entity = (name: string) => ({ name }) as unknown as EntityMetadata;

  test("keeps at most 200 shapes per entity, dropping the oldest", () => {
    const reads = new ReadStatements({ preparedStatements: true });
    const a = entity("A");
    const b = entity("B");
    for (let i = 0; i < 250; i++) reads.add(a, String(i), statement(`SELECT ${i}`));
    reads.add(b, "0", statement("SELECT b"));
    expect(reads.size(a)).toBe(200);
    expect(reads.get(a, "49")).toBeUndefined();
    expect(reads.get(a, "50")?.text).toBe("SELECT 50");
    expect(reads.get(b, "0")?.text).toBe("SELECT b");
  });

  test("names a statement from its second run, by its text, and at most 256 of them", () => {
    const reads = new ReadStatements({ preparedStatements: true });
    const first = statement("SELECT 1");
    expect([reads.nameFor(first), reads.nameFor(first), reads.nameFor(first)].map((n) => n?.length)).toEqual([undefined, 28, 28]);
    const again = statement("SELECT 1");
    const elsewhere = new ReadStatements({ preparedStatements: true });
    elsewhere.nameFor(again);
    expect(elsewhere.nameFor(again)).toBe(first.name);
    for (let i = 0; i < 300; i++) {
      const s = statement(`SELECT ${i} + 1`);
      reads.nameFor(s);
      reads.nameFor(s);
    }
    const late = statement("SELECT 'late'");
    reads.nameFor(late);
    expect(reads.nameFor(late)).toBeUndefined();
    const off = new ReadStatements({ preparedStatements: false });
    const s = statement("SELECT 2");
    expect([off.nameFor(s), off.nameFor(s), off.nameFor(s)]).toEqual([undefined, undefined, undefined]);
  });
});
