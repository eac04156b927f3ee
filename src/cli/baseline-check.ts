import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { baselinePathFor, compareBaseline, formatComparison, parseBaselineJson, readBaselineFile, type QueryBaselineFile } from "../testing";

/** What `unitwork baseline check` prints and its exit code (0: no regression, 1: a regression, 2: a usage error). */
export interface CheckOutcome {
  exitCode: 0 | 1 | 2;
  output: string[];
}

/**
 * Compares a run's JSON report (a file, or a folder of them as `UNITWORK_BASELINE_REPORT` writes) with
 * the committed baselines: `committed` when given, else the file beside each report's test file
 * (`__query-baselines__/<test file>.json`). A report may also be a list of analyzer reports
 * (`AnalysisReport[]` collected with `onReport`), one baseline per scope name. @internal
 */
export function checkBaselines(reportPath: string, committed?: string): CheckOutcome {
  const output: string[] = [];
  let files: string[];
  try {
    files = statSync(reportPath).isDirectory()
      ? readdirSync(reportPath).filter((f) => f.endsWith(".json")).sort().map((f) => join(reportPath, f))
      : [reportPath];
  } catch {
    return { exitCode: 2, output: [`unitwork baseline check: no report at ${reportPath}`] };
  }
  if (files.length === 0) return { exitCode: 2, output: [`unitwork baseline check: no .json report in ${reportPath}`] };
  let regressions = 0;
  let compared = 0;
  for (const file of files) {
    let run: QueryBaselineFile;
    let base: QueryBaselineFile | undefined;
    let basePath: string;
    try {
      run = parseBaselineJson(readFileSync(file, "utf8"), file);
      if (!committed && !run.source) return { exitCode: 2, output: [...output, `unitwork baseline check: ${file} does not say its test file; pass --baseline <committed file>`] };
      basePath = committed ?? baselinePathFor(run.source!);
      base = readBaselineFile(basePath);
    } catch (error) {
      return { exitCode: 2, output: [...output, `unitwork baseline check: ${(error as Error).message}`] };
    }
    for (const [name, actual] of Object.entries(run.baselines)) {
      compared++;
      const before = base?.baselines[name];
      if (!before) {
        regressions++;
        output.push(`query baseline "${name}" has no committed baseline in ${basePath}: record it with UNITWORK_UPDATE_BASELINES=1 and commit the file`);
        continue;
      }
      const comparison = compareBaseline(name, before, actual);
      const diff = formatComparison(comparison, before, actual, basePath);
      if (comparison.regressions.length) regressions++;
      if (diff) output.push(diff);
    }
  }
  output.push(regressions
    ? `unitwork baseline check: ${regressions} of ${compared} baseline(s) regressed`
    : `unitwork baseline check: ${compared} baseline(s), no regression`);
  return { exitCode: regressions ? 1 : 0, output };
}
