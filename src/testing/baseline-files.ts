import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { parseBaselineJson, serializeBaselineFile, type QueryBaselineFile } from "./query-baseline";

/** The folder beside a test file that holds its baselines. */
export const BASELINE_FOLDER = "__query-baselines__";

/** `dir/__query-baselines__/<test file>.json` for the test file `dir/<test file>`. @internal */
export function baselinePathFor(testFile: string): string {
  return join(dirname(testFile), BASELINE_FOLDER, `${basename(testFile)}.json`);
}

/** The test file Jest is running (its `expect.getState().testPath`), if any. @internal */
export function currentTestFile(): string | undefined {
  const jestExpect = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect;
  return jestExpect?.getState?.().testPath ?? undefined;
}

/** The baseline file at `path`, or `undefined` when there is none yet. @internal */
export function readBaselineFile(path: string): QueryBaselineFile | undefined {
  if (!existsSync(path)) return undefined;
  return parseBaselineJson(readFileSync(path, "utf8"), path);
}

/** Writes `file` whole (a temporary file renamed over it, so a reader never sees half of it). @internal */
export function writeBaselineFile(path: string, file: QueryBaselineFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, serializeBaselineFile(file));
  renameSync(temporary, path);
}

/** Where a run's report of `testFile` goes in the report folder (`UNITWORK_BASELINE_REPORT`): one file per test file. @internal */
export function runReportPathFor(folder: string, testFile: string): string {
  return join(folder, `${relative(process.cwd(), testFile).split(sep).join("__")}.json`);
}
