import { createUnitwork, type FindingKind, type Unitwork } from "../../src";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { memoryLogger } from "../support/test-unitwork";
import { blogDataSource, seedBlog } from "./blog-schema";
import { overFetchingScenarios } from "./over-fetching-scenarios";
import { scenarios as baseScenarios } from "./scenarios";

const KINDS: FindingKind[] = ["n+1", "duplicate", "slow", "contention", "over-fetching"];
const scenarios = [...baseScenarios, ...overFetchingScenarios];
let db: TestDatabase;
let fast: Unitwork;
let slow: Unitwork;
let watching: Unitwork;

beforeAll(async () => {
  db = await createTestDatabase("analyzer_suite");
  fast = await createUnitwork({ dataSource: blogDataSource(db.url), logger: memoryLogger(), analyzer: { mode: "log", slowQueryMs: 60_000 } });
  await seedBlog(fast.dataSource);
  slow = await createUnitwork({ dataSource: blogDataSource(db.url), logger: memoryLogger(), analyzer: { mode: "log", slowQueryMs: 200, explainSlowQueries: true } });
  watching = await createUnitwork({ dataSource: blogDataSource(db.url), logger: memoryLogger(), analyzer: { mode: "log", slowQueryMs: 60_000, overFetching: true } });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  await watching?.close();
  await db?.drop();
});

test("the suite is large enough", () => {
  expect(scenarios.length).toBeGreaterThanOrEqual(30);
  expect(scenarios.filter((s) => s.tricky).length).toBeGreaterThanOrEqual(12);
});

test("every labelled scenario is classified right (precision and recall 1.0)", async () => {
  const confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const wrong: string[] = [];
  for (const scenario of scenarios) {
    const uw = scenario.slow ? slow : scenario.overFetching ? watching : fast;
    const { report } = await uw.analyzer.scope(scenario.name, () => scenario.run(uw));
    // A finding counts as found only with the application line that caused it (as the held-out corpus scores it).
    const located = (f: { callSite: string }) => /^test\/analyzer\/(scenarios|scenario-helpers|over-fetching-scenarios)\.ts:\d+:\d+$/.test(f.callSite);
    for (const f of report.findings) {
      if (!located(f)) wrong.push(`${scenario.name}: ${f.kind} call site ${f.callSite}`);
    }
    for (const kind of KINDS) {
      const expected = scenario.expect[kind] ?? 0;
      const ofKind = report.findings.filter((f) => f.kind === kind);
      const found = ofKind.filter(located).length;
      confusion.tp += Math.min(expected, found);
      confusion.fp += Math.max(0, found - expected) + (ofKind.length - found);
      confusion.fn += Math.max(0, expected - found);
      if (expected === 0 && found === 0) confusion.tn++;
      if (expected !== ofKind.length) {
        wrong.push(`${scenario.name}: ${kind} expected ${expected}, found ${found}\n${report.findings.map((f) => `    ${f.kind} ${f.callSite} ${f.sql.slice(0, 120)}`).join("\n")}`);
      }
    }
  }
  const precision = confusion.tp / (confusion.tp + confusion.fp);
  const recall = confusion.tp / (confusion.tp + confusion.fn);
  console.log(`analyzer labelled suite: ${scenarios.length} scenarios (${scenarios.filter((s) => s.tricky).length} tricky clean)\n` +
    `  TP ${confusion.tp}  FP ${confusion.fp}  FN ${confusion.fn}  TN ${confusion.tn}  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`);
  expect(wrong).toEqual([]);
  expect(precision).toBe(1);
  expect(recall).toBe(1);
});
