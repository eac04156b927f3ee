import { readFileSync } from "node:fs";
import { createUnitwork, QueryAnalysisError, type AnalysisReport, type Unitwork } from "../../src";
import { expectNoNPlusOne, expectQueryCount } from "../../src/testing";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { memoryLogger } from "../support/test-unitwork";
import { Author, blogDataSource, Comment, Post, seedBlog } from "./blog-schema";

let db: TestDatabase;
let uw: Unitwork;
let logger: ReturnType<typeof memoryLogger>;

beforeAll(async () => {
  db = await createTestDatabase("analyzer");
  logger = memoryLogger();
  uw = await createUnitwork({ dataSource: blogDataSource(db.url), logger, analyzer: { mode: "log", slowQueryMs: 60_000 } });
  await seedBlog(uw.dataSource);
});
afterAll(async () => {
  await uw?.close();
  await db?.drop();
});
afterEach(() => uw.analyzer.configure({ mode: "log", ignore: [], slowQueryMs: 60_000, explainSlowQueries: false }));

/** The 1-based line of this file holding `marker`. */
function lineOf(marker: string): number {
  return readFileSync(__filename, "utf8").split("\n").findIndex((line) => line.includes(marker)) + 1;
}

async function authorsOneByOne(): Promise<void> {
  const posts = await uw.repositories.create(Post).findMany({ orderBy: "id", limit: 5 });
  for (const post of posts) await uw.repositories.create(Author).getById(post.authorId); // LOOP-MARKER
}

test("an N+1 points at the TypeScript line of the loop and names the relation to load", async () => {
  const { report } = await uw.analyzer.scope("feed", authorsOneByOne);
  expect(report.scope).toBe("feed");
  expect(report.queryCount).toBe(6);
  const [finding] = report.findings;
  expect(report.findings).toHaveLength(1);
  expect(finding!.kind).toBe("n+1");
  expect(finding!.count).toBe(5);
  expect(finding!.callSite).toMatch(new RegExp(`^test/analyzer/query-analyzer\\.test\\.ts:${lineOf("LOOP-MARKER")}:\\d+$`));
  expect(finding!.entity).toBe("Post");
  expect(finding!.relation).toBe("author");
  expect(finding!.suggestion).toContain("relations: { author: true }");
  expect(finding!.suggestion).toContain("loadRelations(posts, { author: true })");
  expect(finding!.sql).toContain(`FROM "author"`);
  expect(finding!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
});

test("children loaded per parent name the parent's to-many relation", async () => {
  const { report } = await uw.analyzer.scope("authors with posts", async () => {
    for (const author of await uw.repositories.create(Author).findMany({ orderBy: "id" })) {
      await uw.repositories.create(Post).findMany({ where: { authorId: author.id } });
    }
  });
  expect(report.findings.map((f) => [f.kind, f.entity, f.relation])).toEqual([["n+1", "Author", "posts"]]);
  expect(report.findings[0]!.suggestion).toContain("relations: { posts: true }");
  // The relation is read from the condition whose value changes, not from the first one.
  const { report: filtered } = await uw.analyzer.scope("filtered", async () => {
    for (const author of await uw.repositories.create(Author).findMany({ orderBy: "id" })) {
      await uw.repositories.create(Post).findMany({ where: { title: { startsWith: "post" }, authorId: author.id } });
    }
  });
  expect(filtered.findings.map((f) => [f.kind, f.entity, f.relation])).toEqual([["n+1", "Author", "posts"]]);
});

test("each outermost unit of work is a scope reported to onReport, named after the unit", async () => {
  const reports: AnalysisReport[] = [];
  const off = uw.analyzer.onReport((r) => reports.push(r));
  await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(Author).getById(1);
    await uw.unitOfWork.run(async (inner) => inner.repository(Post).count(), { propagation: "nested" });
  }, { name: "two reads" });
  off();
  expect(reports.map((r) => [r.scope, r.queryCount])).toEqual([["two reads", 2]]);
  expect(reports[0]!.queries.every((q) => !/^(BEGIN|START|COMMIT|SAVEPOINT|RELEASE)/i.test(q.sql))).toBe(true);
  await uw.repositories.create(Author).getById(1);
  expect(reports).toHaveLength(1);
});

test("throw mode: a scope with findings throws QueryAnalysisError carrying the report", async () => {
  uw.analyzer.configure({ mode: "throw" });
  const error = await uw.analyzer.scope("strict feed", authorsOneByOne).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryAnalysisError);
  expect((error as QueryAnalysisError).code).toBe("QUERY_ANALYSIS_FAILED");
  expect((error as QueryAnalysisError).report.findings[0]!.kind).toBe("n+1");
  const fromUnit = await uw.unitOfWork.run(authorsOneByOne, { name: "unit" }).catch((e: unknown) => e);
  expect(fromUnit).toBeInstanceOf(QueryAnalysisError);
  // A clean scope passes.
  await expect(uw.analyzer.scope("clean", () => uw.repositories.create(Author).getById(1))).resolves.toMatchObject({ report: { findings: [] } });
});

test("a failing unit of work keeps its own error even in throw mode", async () => {
  uw.analyzer.configure({ mode: "throw" });
  const error = await uw.unitOfWork.run(async () => {
    await authorsOneByOne();
    throw new Error("app failure");
  }).catch((e: unknown) => e);
  expect((error as Error).message).toBe("app failure");
});

test("warn mode logs each finding at warn with its call site; log mode at info", async () => {
  uw.analyzer.configure({ mode: "warn" });
  logger.entries.length = 0;
  await uw.analyzer.scope("warned", authorsOneByOne);
  const warned = logger.entries.filter((e) => e.level === "warn");
  expect(warned).toHaveLength(1);
  expect(warned[0]!.msg).toMatch(/n\+1 \(x5\) at test\/analyzer\/query-analyzer\.test\.ts:\d+:\d+/);
  uw.analyzer.configure({ mode: "log" });
  logger.entries.length = 0;
  await uw.analyzer.scope("logged", authorsOneByOne);
  expect(logger.entries.filter((e) => e.level === "info" && /query analyzer/.test(e.msg ?? ""))).toHaveLength(1);
});

test("ignore rules drop findings by fingerprint, SQL pattern or call site", async () => {
  const { report } = await uw.analyzer.scope("probe", authorsOneByOne);
  const fingerprint = report.findings[0]!.fingerprint;
  for (const rule of [fingerprint, /FROM "author"/, "query-analyzer.test.ts", { kind: "n+1" as const, callSite: /query-analyzer/ }]) {
    uw.analyzer.configure({ ignore: [rule] });
    const { report: ignored } = await uw.analyzer.scope("ignored", authorsOneByOne);
    expect(ignored.findings).toEqual([]);
    expect(ignored.queryCount).toBe(6);
  }
  uw.analyzer.configure({ ignore: [{ kind: "duplicate" }] });
  expect((await uw.analyzer.scope("kept", authorsOneByOne)).report.findings).toHaveLength(1);
});

test("concurrent scopes never mix their statements", async () => {
  const one = (label: string, ids: number[]) =>
    uw.analyzer.scope(label, async () => {
      for (const id of ids) {
        await uw.repositories.create(Author).getById(id);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  const [a, b] = await Promise.all([one("a", [1, 2]), one("b", [3, 4])]);
  expect(a.report.queries.map((q) => q.parameters[0])).toEqual([1, 2]);
  expect(b.report.queries.map((q) => q.parameters[0])).toEqual([3, 4]);
  // Together they would be an N+1 (4 ids from one line); apart each is below the threshold.
  expect([...a.report.findings, ...b.report.findings]).toEqual([]);
});

test("nested scopes: statements count in both; only the outermost logs", async () => {
  logger.entries.length = 0;
  const { report: outer } = await uw.analyzer.scope("request", async () => {
    const { report: inner } = await uw.analyzer.scope("inner", authorsOneByOne);
    expect(inner.findings).toHaveLength(1);
  });
  expect(outer.queryCount).toBe(6);
  expect(outer.findings).toHaveLength(1);
  expect(logger.entries.filter((e) => /query analyzer/.test(e.msg ?? ""))).toHaveLength(1);
});

test("several unitwork instances each have their own analyzer and options", async () => {
  const second = await createUnitwork({ dataSource: blogDataSource(db.url), logger: memoryLogger(), analyzer: { mode: "log", nPlusOneThreshold: 10 } });
  try {
    const { report: mine } = await uw.analyzer.scope("mine", async () => {
      await second.repositories.create(Author).getById(1);
      await authorsOneByOne();
    });
    expect(mine.queryCount).toBe(6);
    const { report: theirs } = await second.analyzer.scope("theirs", async () => {
      const posts = await second.repositories.create(Post).findMany({ orderBy: "id", limit: 5 });
      for (const post of posts) await second.repositories.create(Author).getById(post.authorId);
    });
    expect(theirs.queryCount).toBe(6);
    expect(theirs.findings).toEqual([]); // threshold 10
  } finally {
    await second.close();
  }
});

test("fingerprints: literals, $n values and IN-lists of any length give one shape", async () => {
  const { report } = await uw.analyzer.scope("shapes", async () => {
    await uw.dataSource.query(`SELECT * FROM author WHERE id IN ($1, $2)`, [1, 2]);
    await uw.dataSource.query(`SELECT * FROM author WHERE id IN ($1, $2, $3, $4)`, [1, 2, 3, 4]);
    await uw.dataSource.query(`SELECT * FROM author WHERE id IN (5, 6, 7)`);
    await uw.dataSource.query(`SELECT * FROM post WHERE id IN (5, 6, 7)`);
  });
  const prints = report.queries.map((q) => q.fingerprint);
  expect(new Set(prints.slice(0, 3)).size).toBe(1);
  expect(prints[3]).not.toBe(prints[0]);
});

test("failed statements are captured with success false", async () => {
  const { report } = await uw.analyzer.scope("failing", async () => {
    await uw.dataSource.query(`SELECT * FROM no_such_table`).catch(() => undefined);
  });
  expect(report.queries.map((q) => [q.success, q.rows])).toEqual([[false, 0]]);
});

test("stats() totals calls per fingerprint across scopes", async () => {
  uw.analyzer.resetStats();
  await uw.analyzer.scope("s1", () => uw.repositories.create(Comment).findMany({ where: { postId: 1 } }));
  await uw.analyzer.scope("s2", () => uw.repositories.create(Comment).findMany({ where: { postId: 2 } }));
  const [top] = uw.analyzer.stats();
  expect(uw.analyzer.stats()).toHaveLength(1);
  expect(top!.calls).toBe(2);
  expect(top!.sql).toContain(`FROM "comment"`);
  expect(top!.maxMs).toBeGreaterThanOrEqual(top!.meanMs);
});

test("off mode: units of work are not analyzed, an explicit scope still is", async () => {
  uw.analyzer.configure({ mode: "off" });
  const reports: AnalysisReport[] = [];
  const off = uw.analyzer.onReport((r) => reports.push(r));
  await uw.unitOfWork.run(authorsOneByOne);
  expect(reports).toEqual([]);
  const { report } = await uw.analyzer.scope("explicit", authorsOneByOne);
  off();
  expect(report.findings).toHaveLength(1);
});

test("slow statements: the plan is taken after the unit of work, on another connection, read-only", async () => {
  uw.analyzer.configure({ slowQueryMs: 150, explainSlowQueries: true });
  const reports: AnalysisReport[] = [];
  const off = uw.analyzer.onReport((r) => reports.push(r));
  await uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query(`SELECT * FROM visit WHERE "userId" = $1 AND (SELECT pg_sleep(0.2)) IS NOT NULL`, [7]);
    await ctx.manager.query(`SELECT count(*) FROM visit WHERE (SELECT pg_sleep(0.2)) IS NOT NULL`);
  }, { name: "slow unit" });
  off();
  const [report] = reports;
  expect(report!.queryCount).toBe(2); // the EXPLAINs are not the unit's statements
  const [selective, aggregate] = report!.findings;
  expect(report!.findings.map((f) => f.kind)).toEqual(["slow", "slow"]);
  expect(selective!.plan!.analyzed).toBe(true);
  expect(selective!.plan!.sequentialScans[0]).toMatchObject({ table: "visit", rowsRemovedByFilter: expect.any(Number) });
  expect(selective!.plan!.indexSuggestion).toMatch(/^CREATE INDEX ON visit \("userId"\)/);
  expect(selective!.suggestion).toContain("add an index");
  expect(aggregate!.plan!.sequentialScans[0]!.table).toBe("visit");
  expect(aggregate!.plan!.indexSuggestion).toBeUndefined();
  expect(aggregate!.suggestion).toContain("no index would help");
});

test("slow writes get a plain EXPLAIN (not executed)", async () => {
  uw.analyzer.configure({ slowQueryMs: 150, explainSlowQueries: true });
  const before = await uw.repositories.create(Comment).count();
  const { report } = await uw.analyzer.scope("slow write", () =>
    uw.dataSource.query(`INSERT INTO comment (body, "postId") SELECT 'slow', 1 FROM pg_sleep(0.2)`),
  );
  expect(report.findings[0]!.plan).toMatchObject({ analyzed: false });
  expect(report.findings[0]!.plan!.error).toBeUndefined();
  expect(await uw.repositories.create(Comment).count()).toBe(before + 1);
});

test("unitwork/testing: expectNoNPlusOne and expectQueryCount", async () => {
  await expect(expectNoNPlusOne(authorsOneByOne)).rejects.toThrow(/expected no N\+1 queries, found 1[\s\S]*query-analyzer\.test\.ts/);
  const fixed = await expectNoNPlusOne(async () => {
    const posts = await uw.repositories.create(Post).findMany({ orderBy: "id", limit: 5 });
    return uw.repositories.create(Post).loadRelations(posts, { author: true });
  });
  expect(fixed.every((p) => p.author?.id === p.authorId)).toBe(true);
  await expect(expectQueryCount(authorsOneByOne, { max: 3 })).rejects.toThrow(/expected at most 3 statements, ran 6/);
  await expect(expectQueryCount(() => uw.repositories.create(Author).getById(1), { exact: 1, analyzer: uw })).resolves.toMatchObject({ id: 1 });
});
