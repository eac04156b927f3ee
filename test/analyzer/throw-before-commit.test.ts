import { QueryAnalysisError, type Unitwork } from "../../src";
import { memoryLogger } from "../support/test-unitwork";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";
import { Author, Comment, Post } from "./blog-schema";

let blog: BlogUnitwork;
let uw: Unitwork;
let logger: ReturnType<typeof memoryLogger>;

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_throw", { mode: "throw", slowQueryMs: 60_000 });
  uw = blog.uw;
  logger = blog.logger;
});
afterAll(() => blog?.close());

const commentCount = async (body: string) => Number((await uw.dataSource.query(`SELECT count(*) AS n FROM comment WHERE body = $1`, [body]))[0].n);

test("throw mode: a unit of work with findings rolls back (nothing committed), runs its onRollback hooks and not its onCommit hooks", async () => {
  const hooks: string[] = [];
  const error = await uw.unitOfWork.run(async (ctx) => {
    ctx.onCommit(() => hooks.push("commit"));
    ctx.onRollback(() => hooks.push("rollback"));
    await ctx.repository(Comment).create({ body: "refused", postId: 1 });
    for (const post of await ctx.repository(Post).findMany({ orderBy: "id", limit: 4 })) await ctx.repository(Author).getById(post.authorId);
  }, { name: "refused unit" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryAnalysisError);
  expect((error as QueryAnalysisError).report.scope).toBe("refused unit");
  expect((error as QueryAnalysisError).report.findings.map((f) => f.kind)).toEqual(["n+1"]);
  expect(await commentCount("refused")).toBe(0);
  expect(hooks).toEqual(["rollback"]);
});

test("throw mode: a clean unit of work commits and its report is delivered once", async () => {
  const scopes: string[] = [];
  const off = uw.analyzer.onReport((r) => scopes.push(r.scope));
  await uw.unitOfWork.run((ctx) => ctx.repository(Comment).create({ body: "accepted", postId: 1 }), { name: "clean unit" });
  off();
  expect(await commentCount("accepted")).toBe(1);
  expect(scopes).toEqual(["clean unit"]);
});

test("throw mode: a unit of work inside a request scope also rolls back, and the request scope does not log the findings again", async () => {
  logger.entries.length = 0;
  const error = await uw.analyzer.scope("request", () =>
    uw.unitOfWork.run(async (ctx) => {
      await ctx.repository(Comment).create({ body: "refused in request", postId: 2 });
      for (let id = 1; id <= 4; id++) await ctx.repository(Author).getById(id);
    }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryAnalysisError);
  expect(await commentCount("refused in request")).toBe(0);
  expect(logger.entries.filter((e) => /query analyzer: n\+1/.test(String(e.msg)))).toEqual([]);
});

test("log mode still analyses after COMMIT: the data is committed and the finding logged", async () => {
  uw.analyzer.configure({ mode: "log" });
  try {
    await uw.unitOfWork.run(async (ctx) => {
      await ctx.repository(Comment).create({ body: "logged", postId: 3 });
      for (let id = 1; id <= 4; id++) await ctx.repository(Author).getById(id);
    });
    expect(await commentCount("logged")).toBe(1);
  } finally {
    uw.analyzer.configure({ mode: "throw" });
  }
});

test("throw mode reports before COMMIT but keeps the unit's statements until it ends: a unit waiting on its locks during COMMIT names the blocking call site", async () => {
  // A deferred trigger sleeps at COMMIT, so the holder's locks outlive its report by 700 ms.
  await uw.dataSource.query(`CREATE TABLE slow_commit (id serial PRIMARY KEY)`);
  await uw.dataSource.query(`CREATE FUNCTION sleep_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.7); RETURN NULL; END $$`);
  await uw.dataSource.query(`CREATE CONSTRAINT TRIGGER sleep_at_commit AFTER INSERT ON slow_commit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sleep_at_commit()`);
  const reported: string[] = [];
  const off = uw.analyzer.onReport((r) => reported.push(r.scope));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  try {
    const holder = uw.unitOfWork.run(async (ctx) => {
      await ctx.manager.query(`UPDATE author SET name = name WHERE id = 4`);
      await ctx.manager.query(`INSERT INTO slow_commit DEFAULT VALUES`);
      locked();
    }, { name: "slow committer" });
    holder.catch(() => locked()); // a failing holder fails the assertions below, not the test's timeout
    await lockTaken;
    // The holder's work has returned: it is being reported, then committed (700 ms), while this waits.
    const waited = await uw.unitOfWork.run((ctx) => ctx.manager.update(Author, 4, { name: "author 4" }), { name: "waits on a COMMIT" }).catch((e: unknown) => e);
    await holder;
    expect(reported).toContain("slow committer");
    expect(waited).toBeInstanceOf(QueryAnalysisError);
    const [finding] = (waited as QueryAnalysisError).report.findings;
    expect(finding!.kind).toBe("contention");
    expect(finding!.lock!.waitedMs).toBeGreaterThan(200);
    expect(finding!.blocker).toMatchObject({ unitOfWork: "slow committer" });
    expect(finding!.blocker!.callSite).toMatch(/^test\/analyzer\/throw-before-commit\.test\.ts:\d+:\d+$/);
  } finally {
    off();
    await uw.dataSource.query(`DROP TABLE slow_commit; DROP FUNCTION sleep_at_commit()`);
  }
});
