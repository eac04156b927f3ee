import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { QueryAnalysisError, type Unitwork } from "../../src";
import { expectQueryBaseline } from "../../src/testing";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";
import { Author, Post } from "./blog-schema";

let blog: BlogUnitwork;
let uw: Unitwork;
let scratch: string;
const saved = { CI: process.env.CI, update: process.env.UNITWORK_UPDATE_BASELINES, report: process.env.UNITWORK_BASELINE_REPORT };

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_baseline", { mode: "log", slowQueryMs: 60_000 });
  uw = blog.uw;
});
afterAll(() => blog?.close());
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "unitwork-baseline-"));
  delete process.env.CI;
  delete process.env.UNITWORK_UPDATE_BASELINES;
  delete process.env.UNITWORK_BASELINE_REPORT;
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const [key, name] of [["CI", "CI"], ["update", "UNITWORK_UPDATE_BASELINES"], ["report", "UNITWORK_BASELINE_REPORT"]] as const) {
    if (saved[key] === undefined) delete process.env[name];
    else process.env[name] = saved[key];
  }
});

const posts = () => uw.repositories.create(Post);
const authors = () => uw.repositories.create(Author);

/** The feed as committed: posts, then their authors in one query. */
async function feedWithRelations() {
  const list = await posts().findMany({ orderBy: "id", limit: 5 });
  return posts().loadRelations(list, { author: true });
}

/** The feed after a change that loads each author in the loop. */
async function feedOneByOne() {
  const list = await posts().findMany({ orderBy: "id", limit: 5 });
  for (const post of list) await authors().getById(post.authorId); // NEW-QUERY-IN-LOOP
  return list;
}

test("the committed baseline beside this test file holds the feed's statements", async () => {
  const feed = await expectQueryBaseline("feed", feedWithRelations, { analyzer: uw });
  expect(feed).toHaveLength(5);
  const committed = JSON.parse(readFileSync(join(__dirname, "__query-baselines__", "query-baseline.test.ts.json"), "utf8"));
  expect(committed.baselines.feed.queryCount).toBe(2);
  expect(committed.baselines.feed.statements.map((s: { count: number }) => s.count)).toEqual([1, 1]);
});

test("a new query in a loop fails with a diff naming its fingerprint, sample SQL and call site", async () => {
  const file = join(scratch, "feed.json");
  await expectQueryBaseline("feed", feedWithRelations, { analyzer: uw, file });
  const error = await expectQueryBaseline("feed", feedOneByOne, { analyzer: uw, file }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryAnalysisError);
  const { report } = await uw.analyzer.scope("one by one", feedOneByOne);
  const loop = report.findings.find((f) => f.kind === "n+1")!;
  const message = (error as Error).message;
  expect(message).toContain(`query baseline "feed" regressed (2 → 6 statements;`);
  expect(message).toMatch(new RegExp(`\\+ new {5}${loop.fingerprint} {2}x5 {2}SELECT .*FROM "author".* {2}at test/analyzer/query-baseline\\.test\\.ts:\\d+:\\d+`));
  expect(message).toContain("UNITWORK_UPDATE_BASELINES=1");
  console.log(message);
});

test("a count that grows fails; fewer statements pass and say so", async () => {
  const file = join(scratch, "counts.json");
  const read = (n: number) => async () => {
    for (let i = 0; i < n; i++) await authors().findMany({ where: { id: { in: [1, 2] } } });
  };
  await expectQueryBaseline("reads", read(2), { analyzer: uw, file });
  await expect(expectQueryBaseline("reads", read(3), { analyzer: uw, file })).rejects.toThrow(/↑ grew {4}[0-9a-f]{16} {2}2 → 3 {2}SELECT/);
  const notes: string[] = [];
  await expectQueryBaseline("reads", read(1), { analyzer: uw, file, note: (m) => notes.push(m) });
  expect(notes).toHaveLength(1);
  expect(notes[0]).toMatch(/runs fewer statements than committed \(2 → 1;[\s\S]*↓ fewer {3}[0-9a-f]{16} {2}2 → 1/);
  // The file is unchanged by a passing comparison.
  expect(JSON.parse(readFileSync(file, "utf8")).baselines.reads.queryCount).toBe(2);
});

test("removing a query passes and names the fingerprint that is gone", async () => {
  const file = join(scratch, "removed.json");
  await expectQueryBaseline("page", async () => {
    await posts().findMany({ orderBy: "id", limit: 5 });
    await posts().count();
  }, { analyzer: uw, file });
  const notes: string[] = [];
  await expectQueryBaseline("page", () => posts().findMany({ orderBy: "id", limit: 5 }), { analyzer: uw, file, note: (m) => notes.push(m) });
  expect(notes.join("\n")).toMatch(/runs fewer statements than committed \(2 → 1;[\s\S]*- gone {4}[0-9a-f]{16} {2}x1 {2}SELECT COUNT/);
});

test("UNITWORK_UPDATE_BASELINES=1 rewrites the file; under CI a missing baseline fails instead of being recorded", async () => {
  const file = join(scratch, "update.json");
  await expectQueryBaseline("feed", feedWithRelations, { analyzer: uw, file });
  await expectQueryBaseline("other", () => authors().getById(1), { analyzer: uw, file });
  process.env.UNITWORK_UPDATE_BASELINES = "1";
  await expectQueryBaseline("feed", feedOneByOne, { analyzer: uw, file });
  const rewritten = JSON.parse(readFileSync(file, "utf8"));
  expect(rewritten.baselines.feed.queryCount).toBe(6);
  expect(rewritten.baselines.other.queryCount).toBe(1);
  delete process.env.UNITWORK_UPDATE_BASELINES;
  await expectQueryBaseline("feed", feedOneByOne, { analyzer: uw, file });
  process.env.CI = "true";
  await expect(expectQueryBaseline("never recorded", feedOneByOne, { analyzer: uw, file })).rejects.toThrow(/no query baseline "never recorded"/);
});

describe("npx unitwork baseline check", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["-r", "@swc/register", resolve(__dirname, "../../src/cli/main.ts"), ...args], { encoding: "utf8", cwd: resolve(__dirname, "../..") });

  test("exits 1 on a regression, 0 without one, 2 on a usage error", async () => {
    const committed = join(scratch, "committed.json");
    const runs = join(scratch, "run");
    await expectQueryBaseline("feed", feedWithRelations, { analyzer: uw, file: committed });
    process.env.UNITWORK_BASELINE_REPORT = runs;
    await expectQueryBaseline("feed", feedWithRelations, { analyzer: uw, file: join(scratch, "unused.json") });
    const clean = cli("baseline", "check", runs, "--baseline", committed);
    expect(clean.stdout).toContain("1 baseline(s), no regression");
    expect(clean.status).toBe(0);

    // The committed file says 2 statements; a run of the loop is a regression.
    rmSync(runs, { recursive: true });
    process.env.UNITWORK_UPDATE_BASELINES = "1";
    await expectQueryBaseline("feed", feedOneByOne, { analyzer: uw, file: join(scratch, "unused.json") });
    const regressed = cli("baseline", "check", runs, "--baseline", committed);
    expect(regressed.status).toBe(1);
    expect(regressed.stderr).toMatch(/query baseline "feed" regressed \(2 → 6 statements[\s\S]*\+ new {5}[0-9a-f]{16} {2}x5/);
    expect(regressed.stderr).toContain("1 of 1 baseline(s) regressed");

    expect(cli("baseline", "check").status).toBe(2);
    expect(cli("baseline", "check", join(scratch, "nothing-here")).status).toBe(2);
  });

  test("a run report names its test file, so the committed file beside it is found without --baseline", async () => {
    const runs = join(scratch, "run");
    process.env.UNITWORK_BASELINE_REPORT = runs;
    await expectQueryBaseline("feed", feedWithRelations, { analyzer: uw });
    const [report] = require("node:fs").readdirSync(runs) as string[];
    expect(report).toBe("test__analyzer__query-baseline.test.ts.json");
    expect(JSON.parse(readFileSync(join(runs, report!), "utf8")).source).toBe("test/analyzer/query-baseline.test.ts");
    expect(cli("baseline", "check", runs).status).toBe(0);
  });

  test("analyzer reports collected with onReport are a run report too (one baseline per scope)", async () => {
    const reports: unknown[] = [];
    const off = uw.analyzer.onReport((r) => reports.push(r));
    await uw.analyzer.scope("feed", feedOneByOne);
    off();
    const run = join(scratch, "reports.json");
    writeFileSync(run, JSON.stringify(reports));
    const result = cli("baseline", "check", run, "--baseline", join(__dirname, "__query-baselines__", "query-baseline.test.ts.json"));
    expect(result.status).toBe(1);
    expect(existsSync(run)).toBe(true);
  });
});
