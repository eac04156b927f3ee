import { createUnitwork, type AnalysisReport, type Unitwork } from "../../src";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { isStatementParserLoaded } from "../../src/analyzer/statement-shape";
import { memoryLogger } from "../support/test-unitwork";
import { Author, blogDataSource, Post, seedBlog } from "./blog-schema";

// Its own file: in this module registry no analyzer has loaded the SQL parser before this one,
// which starts "off" (the production default) and so loads it only when it is first needed.
let db: TestDatabase;
let uw: Unitwork;
const logger = memoryLogger();

beforeAll(async () => {
  db = await createTestDatabase("analyzer_off");
  uw = await createUnitwork({ dataSource: blogDataSource(db.url), logger, analyzer: { mode: "off" } });
  await seedBlog(uw.dataSource);
});
afterAll(async () => {
  await uw?.close();
  await db?.drop();
});

async function authorsOneByOne(): Promise<void> {
  const posts = await uw.repositories.create(Post).findMany({ orderBy: "id", limit: 5 });
  for (const post of posts) await uw.repositories.create(Author).getById(post.authorId);
}

test("an analyzer created off does not load the SQL parser, and analyzes an explicit scope (which loads it)", async () => {
  const reports: AnalysisReport[] = [];
  const unsubscribe = uw.analyzer.onReport((r) => reports.push(r));
  await uw.unitOfWork.run(authorsOneByOne);
  expect(reports).toEqual([]);
  expect(isStatementParserLoaded()).toBe(false);

  const { report } = await uw.analyzer.scope("explicit", authorsOneByOne);
  expect(isStatementParserLoaded()).toBe(true);
  expect(report.findings.map((f) => [f.kind, f.count, f.entity])).toEqual([["n+1", 5, "Post"]]);
  unsubscribe();
});

test("an analyzer switched on with configure() analyzes units of work", async () => {
  const reports: AnalysisReport[] = [];
  uw.analyzer.onReport((r) => reports.push(r));
  uw.analyzer.configure({ mode: "log" });
  await uw.unitOfWork.run(authorsOneByOne, { name: "switched on" });
  const unit = reports.find((r) => r.scope === "switched on");
  expect(unit?.findings.map((f) => f.kind)).toEqual(["n+1"]);
  expect(logger.entries.some((e) => e.level === "info" && e.msg?.includes("n+1"))).toBe(true);
});

test("configure() before the parser is loaded: statements seen meanwhile get a plain-text shape that is not kept", () => {
  jest.isolateModules(() => {
    // a fresh copy of the module: its parser is not loaded yet
    const fresh = require("../../src/analyzer/statement-shape") as typeof import("../../src/analyzer/statement-shape");
    const sql = "SELECT * FROM post WHERE id = $1";
    const before = fresh.statementShape(sql);
    expect(fresh.isStatementParserLoaded()).toBe(false);
    expect(before.kind).toBe("other"); // the fallback
    expect(fresh.statementShape(sql)).not.toBe(before); // not cached: computed again once parsed
  });
});
