import { relative } from "node:path";
import { QueryAnalysisError, type AnalysisReport } from "../analyzer";
import { baselinePathFor, currentTestFile, readBaselineFile, runReportPathFor, writeBaselineFile } from "./baseline-files";
import { baselineOf, compareBaseline, formatComparison, type QueryBaseline } from "./query-baseline";
import { inScopes, resolveAnalyzers, type AnalyzerSource } from "./resolve-analyzers";

/** Where {@link expectQueryBaseline} counts and which file it compares with. */
export interface QueryBaselineOptions {
  /** The analyzer (or unitwork) to count on; by default every live one. */
  analyzer?: AnalyzerSource;
  /** The baseline file; by default `__query-baselines__/<test file>.json` beside the running Jest test file. */
  file?: string;
  /** Where to say that fewer statements ran than the baseline holds (default `console.info`). */
  note?: (message: string) => void;
}

/**
 * Runs `fn` in an analyzer scope and compares the statements it ran, by fingerprint and count, with
 * the baseline named `name` in the committed baseline file. A new fingerprint, or one that ran more
 * often, throws `QueryAnalysisError` with a diff naming each fingerprint, its sample SQL and call
 * site; fewer statements pass and say so. `UNITWORK_UPDATE_BASELINES=1` writes what ran as the new
 * baseline (like Jest's `-u`); a baseline that does not exist yet is recorded, except under `CI`
 * where it fails. With `UNITWORK_BASELINE_REPORT=<folder>`, what ran is also written there, one file
 * per test file, for `npx unitwork baseline check`. Returns what `fn` returned.
 *
 * @example
 * ```ts
 * import { expectQueryBaseline } from "unitwork/testing";
 *
 * test("the feed's statements do not grow", async () => {
 *   const feed = await expectQueryBaseline("feed page 1", () => feedService.page(1));
 *   expect(feed.items).toHaveLength(20);
 * });
 * ```
 */
export async function expectQueryBaseline<R>(name: string, fn: () => R | Promise<R>, options: QueryBaselineOptions = {}): Promise<R> {
  const path = baselineFileOf(options);
  const { result, reports } = await inScopes(resolveAnalyzers(options.analyzer), `baseline ${name}`, fn);
  const actual: QueryBaseline = { ...baselineOf(reports), queryCount: reports.reduce((sum, r) => sum + r.queryCount, 0) };
  const failure = checkBaseline(path, name, actual, reports, options);
  if (failure) throw new QueryAnalysisError(merged(reports), failure);
  return result;
}

/** The baseline file of the running test (or `options.file`). @internal */
export function baselineFileOf(options: Pick<QueryBaselineOptions, "file">): string {
  const testFile = currentTestFile();
  const path = options.file ?? (testFile ? baselinePathFor(testFile) : undefined);
  if (!path) throw new TypeError("query baselines run under Jest (to find the test file) or need { file }");
  return path;
}

/**
 * Compares what ran (`actual`) with baseline `name` of the file at `path`, recording it when asked
 * (`UNITWORK_UPDATE_BASELINES`) or when it is new (except under `CI`), and adds it to the run report
 * (`UNITWORK_BASELINE_REPORT`). Returns the failure's message, if any. @internal
 */
export function checkBaseline(path: string, name: string, actual: QueryBaseline, reports: readonly AnalysisReport[], options: Pick<QueryBaselineOptions, "note">): string | undefined {
  const testFile = currentTestFile();
  const reportFolder = process.env.UNITWORK_BASELINE_REPORT;
  if (reportFolder) recordRun(reportFolder, testFile ?? path, name, actual);
  const stored = readBaselineFile(path);
  const committed = stored?.baselines[name];
  const update = /^(1|true)$/i.test(process.env.UNITWORK_UPDATE_BASELINES ?? "");
  const shown = relative(process.cwd(), path).startsWith("..") ? path : relative(process.cwd(), path);
  if (update || !committed) {
    if (!committed && !update && process.env.CI && process.env.CI !== "false") {
      return `no query baseline "${name}" in ${shown}: record it with UNITWORK_UPDATE_BASELINES=1 and commit the file`;
    }
    writeBaselineFile(path, { version: 1, baselines: { ...stored?.baselines, [name]: actual } });
    return undefined;
  }
  const callSites = new Map<string, string>();
  for (const query of reports.flatMap((r) => r.queries)) if (query.callSite && !callSites.has(query.fingerprint)) callSites.set(query.fingerprint, query.callSite);
  const comparison = compareBaseline(name, committed, actual, callSites);
  const diff = formatComparison(comparison, committed, actual, shown);
  if (comparison.regressions.length) return diff;
  if (diff) (options.note ?? console.info)(diff);
  return undefined;
}

/** One report of all `reports` (for the error). @internal */
export function merged(reports: readonly AnalysisReport[]): AnalysisReport {
  return {
    scope: reports[0]?.scope ?? "expectQueryBaseline",
    queryCount: reports.reduce((sum, r) => sum + r.queryCount, 0),
    totalDurationMs: reports.reduce((sum, r) => sum + r.totalDurationMs, 0),
    queries: reports.flatMap((r) => r.queries),
    findings: reports.flatMap((r) => r.findings),
  };
}

/** Adds what ran to this test file's run report (read, changed and written whole: a test file's tests run one at a time). */
function recordRun(folder: string, testFile: string, name: string, actual: QueryBaseline): void {
  const path = runReportPathFor(folder, testFile);
  const run = readBaselineFile(path);
  writeBaselineFile(path, { version: 1, source: relative(process.cwd(), testFile), baselines: { ...run?.baselines, [name]: actual } });
}
