import { createUnitwork, InvalidConfigError, LockTimeoutError, type AnalysisReport, type Unitwork } from "../../src";
import { memoryLogger } from "../support/test-unitwork";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";
import { Author, blogDataSource, Post } from "./blog-schema";
import { holdLocks } from "./scenarios";

let blog: BlogUnitwork;
let uw: Unitwork;
let logger: ReturnType<typeof memoryLogger>;

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_contention", { mode: "warn", slowQueryMs: 60_000 });
  uw = blog.uw;
  logger = blog.logger;
});
afterAll(() => blog?.close());

async function reportsOf(fn: () => Promise<unknown>): Promise<AnalysisReport[]> {
  const reports: AnalysisReport[] = [];
  const off = uw.analyzer.onReport((r) => reports.push(r));
  try {
    await fn();
  } finally {
    off();
  }
  return reports;
}

test("a unit of work that waited on a row lock names the lock, the blocking unit of work, its statement and call site", async () => {
  const reports = await reportsOf(async () => {
    const holder = holdLocks(uw, `UPDATE author SET name = name WHERE id = 1`, 600, "rename author");
    await holder.locked;
    await uw.unitOfWork.run((ctx) => ctx.manager.update(Author, 1, { name: "author 1" }), { name: "waiting unit" });
    await holder.done;
  });
  const waiting = reports.find((r) => r.scope === "waiting unit")!;
  const [finding] = waiting.findings;
  expect(waiting.findings.map((f) => f.kind)).toEqual(["contention"]);
  expect(finding!.callSite).toMatch(/^test\/analyzer\/contention\.test\.ts:\d+:\d+$/);
  expect(finding!.lock).toMatchObject({ relation: "author", lockType: "transactionid", mode: "ShareLock" });
  expect(finding!.lock!.waitedMs).toBeGreaterThan(200);
  expect(finding!.blocker).toMatchObject({ unitOfWork: "rename author", sql: `UPDATE author SET name = name WHERE id = 1` });
  expect(finding!.blocker!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  expect(finding!.blocker!.callSite).toMatch(/^test\/analyzer\/scenarios\.ts:\d+:\d+$/);
  expect(finding!.suggestion).toContain(`held by unit of work "rename author"`);
  expect(finding!.suggestion).toContain(`keep "rename author" short`);
  // The holder itself is clean, and the warning names the call site.
  expect(reports.find((r) => r.scope === "rename author")!.findings).toEqual([]);
  expect(logger.entries.some((e) => e.level === "warn" && /query analyzer: contention \(x1\) at test\/analyzer\/contention\.test\.ts/.test(String(e.msg)))).toBe(true);
});

test("lockTimeoutMs sets lock_timeout for the unit: its expiry is LockTimeoutError (55P03) and a contention finding", async () => {
  let error: unknown;
  const reports = await reportsOf(async () => {
    const holder = holdLocks(uw, `UPDATE post SET title = title WHERE id = 3`, 500, "slow editor");
    await holder.locked;
    error = await uw.unitOfWork.run((ctx) => ctx.manager.update(Post, 3, { title: "post 3" }), { name: "impatient", lockTimeoutMs: 80 }).catch((e: unknown) => e);
    await holder.done;
  });
  expect(error).toBeInstanceOf(LockTimeoutError);
  expect((error as LockTimeoutError).sqlState).toBe("55P03");
  const finding = reports.find((r) => r.scope === "impatient")!.findings[0]!;
  expect(finding.kind).toBe("contention");
  expect(finding.lock).toMatchObject({ relation: "post", sqlState: "55P03" });
  expect(finding.suggestion).toMatch(/^lock timeout after \d+ ms waiting for a (row )?lock on post held by unit of work "slow editor"/);
  // Without a wait the setting changes nothing, and only the unit's own transaction has it.
  await uw.unitOfWork.run(async (ctx) => {
    expect((await ctx.manager.query(`SHOW lock_timeout`))[0].lock_timeout).toBe("250ms");
  }, { lockTimeoutMs: 250 });
  await uw.unitOfWork.run(async (ctx) => {
    expect((await ctx.manager.query(`SHOW lock_timeout`))[0].lock_timeout).toBe("0");
  });
});

test("lockTimeoutMs and lockWaitMs are checked", async () => {
  await expect(uw.unitOfWork.run(async () => undefined, { lockTimeoutMs: 0 })).rejects.toThrow(InvalidConfigError);
  await expect(uw.unitOfWork.run(async () => undefined, { lockTimeoutMs: 1.5 })).rejects.toThrow(/lockTimeoutMs must be a positive integer/);
  expect(() => uw.analyzer.configure({ lockWaitMs: -1 })).toThrow(/lockWaitMs must be a number >= 0/);
});

test("a lock wait shorter than lockWaitMs is no finding; lockWaitMs is an option", async () => {
  const run = (holdMs: number) => reportsOf(async () => {
    const holder = holdLocks(uw, `UPDATE author SET name = name WHERE id = 2`, holdMs, "brief holder");
    await holder.locked;
    await uw.unitOfWork.run((ctx) => ctx.manager.update(Author, 2, { name: "author 2" }), { name: "brief waiter" });
    await holder.done;
  });
  expect((await run(100)).flatMap((r) => r.findings)).toEqual([]);
  uw.analyzer.configure({ lockWaitMs: 1000 });
  try {
    expect((await run(400)).flatMap((r) => r.findings)).toEqual([]);
  } finally {
    uw.analyzer.configure({ lockWaitMs: 200 });
  }
});

test("pg_locks is never sampled for fast statements: the sampler's connection is opened only when a statement waits", async () => {
  const fresh = await createUnitwork({ dataSource: blogDataSource(blog.db.url), logger: memoryLogger(), analyzer: { mode: "log" } });
  const samplers = async () => (await fresh.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'unitwork lock sampler' AND datname = current_database()`))[0].n;
  try {
    // (the other instance of this file may hold its own sampler connection already)
    const before = await samplers();
    for (let i = 0; i < 50; i++) await fresh.unitOfWork.run((ctx) => ctx.repository(Author).getById(1 + (i % 6)));
    expect(await samplers()).toBe(before);
  } finally {
    await fresh.close();
  }
});
