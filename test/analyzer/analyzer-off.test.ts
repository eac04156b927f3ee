import { createUnitwork, type AnalysisReport, type Unitwork } from "../../src";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
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

test("an analyzer created off analyzes an explicit scope (the parser is loaded then), and units of work once switched on", async () => {
  const reports: AnalysisReport[] = [];
  uw.analyzer.onReport((r) => reports.push(r));
  await uw.unitOfWork.run(authorsOneByOne);
  expect(reports).toEqual([]);

  const { report } = await uw.analyzer.scope("explicit", authorsOneByOne);
  expect(report.findings.map((f) => [f.kind, f.count, f.entity])).toEqual([["n+1", 5, "Post"]]);

  uw.analyzer.configure({ mode: "log" });
  await uw.unitOfWork.run(authorsOneByOne, { name: "switched on" });
  const unit = reports.find((r) => r.scope === "switched on");
  expect(unit?.findings.map((f) => f.kind)).toEqual(["n+1"]);
  expect(logger.entries.some((e) => e.level === "info" && e.msg?.includes("n+1"))).toBe(true);
});
