import type { AnalysisReport } from "../analyzer";

/** One statement shape of a baseline: how many times it ran and a sample of its SQL. */
export interface BaselineStatement {
  /** The statement shape (the analyzer's fingerprint). */
  fingerprint: string;
  /** How many times it ran. */
  count: number;
  /** A sample of its SQL (up to 300 characters). */
  sql: string;
}

/** What one named piece of code ran (`expectQueryBaseline(name, fn)`), by statement shape. */
export interface QueryBaseline {
  /** Statements run in all (transaction control not counted). */
  queryCount: number;
  /** Per statement shape, sorted by fingerprint. */
  statements: BaselineStatement[];
}

/** A baseline file (`__query-baselines__/<test file>.json`), and a run's JSON report in the same form. */
export interface QueryBaselineFile {
  /** The format's version. */
  version: 1;
  /** The test file the baselines belong to (relative to the working directory), in a run's report. */
  source?: string;
  /** By the name given to `expectQueryBaseline` (or a report's scope). */
  baselines: Record<string, QueryBaseline>;
}

/** How one baseline compares with what ran: `regressions` fail, `improvements` pass and are said. */
export interface BaselineComparison {
  /** The baseline's name. */
  name: string;
  /** New fingerprints and counts that grew, each with a line of the diff. */
  regressions: string[];
  /** Fingerprints that no longer run and counts that shrank. */
  improvements: string[];
}

const SAMPLE_SQL_CHARS = 300;

/** The baseline of what the reports' statements ran (transaction control is never in a report). @internal */
export function baselineOf(reports: readonly Pick<AnalysisReport, "queries">[]): QueryBaseline {
  const byShape = new Map<string, BaselineStatement>();
  let queryCount = 0;
  for (const report of reports) {
    for (const query of report.queries) {
      queryCount++;
      const known = byShape.get(query.fingerprint);
      if (known) known.count++;
      else byShape.set(query.fingerprint, { fingerprint: query.fingerprint, count: 1, sql: query.sql.slice(0, SAMPLE_SQL_CHARS) });
    }
  }
  const statements = [...byShape.values()].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  return { queryCount, statements };
}

/**
 * Compares what ran with the committed baseline: a fingerprint the baseline does not have, or one
 * that ran more often, is a regression; fewer runs or a fingerprint gone is an improvement. @internal
 */
export function compareBaseline(name: string, committed: QueryBaseline, actual: QueryBaseline, callSites: ReadonlyMap<string, string> = new Map()): BaselineComparison {
  const before = new Map(committed.statements.map((s) => [s.fingerprint, s]));
  const after = new Map(actual.statements.map((s) => [s.fingerprint, s]));
  const regressions: string[] = [];
  const improvements: string[] = [];
  const where = (fingerprint: string) => (callSites.get(fingerprint) ? `  at ${callSites.get(fingerprint)}` : "");
  for (const statement of actual.statements) {
    const old = before.get(statement.fingerprint);
    if (!old) regressions.push(`+ new     ${statement.fingerprint}  x${statement.count}  ${oneLine(statement.sql)}${where(statement.fingerprint)}`);
    else if (statement.count > old.count) regressions.push(`↑ grew    ${statement.fingerprint}  ${old.count} → ${statement.count}  ${oneLine(statement.sql)}${where(statement.fingerprint)}`);
    else if (statement.count < old.count) improvements.push(`↓ fewer   ${statement.fingerprint}  ${old.count} → ${statement.count}  ${oneLine(statement.sql)}`);
  }
  for (const old of committed.statements) {
    if (!after.has(old.fingerprint)) improvements.push(`- gone    ${old.fingerprint}  x${old.count}  ${oneLine(old.sql)}`);
  }
  return { name, regressions, improvements };
}

/** The readable diff of a comparison (empty when nothing changed). @internal */
export function formatComparison(comparison: BaselineComparison, committed: QueryBaseline, actual: QueryBaseline, file: string): string {
  const { name, regressions, improvements } = comparison;
  if (!regressions.length && !improvements.length) return "";
  const head = regressions.length
    ? `query baseline "${name}" regressed (${committed.queryCount} → ${actual.queryCount} statements; ${file}):`
    : `query baseline "${name}" runs fewer statements than committed (${committed.queryCount} → ${actual.queryCount}; ${file}):`;
  return [head, ...regressions.map((l) => `  ${l}`), ...improvements.map((l) => `  ${l}`), "  run with UNITWORK_UPDATE_BASELINES=1 to record the new baseline"].join("\n");
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/** A baseline file's text: sorted keys, one statement per line group, a final newline (stable diffs in review). @internal */
export function serializeBaselineFile(file: QueryBaselineFile): string {
  const names = Object.keys(file.baselines).sort();
  const sorted: QueryBaselineFile = { version: 1, ...(file.source ? { source: file.source } : {}), baselines: Object.fromEntries(names.map((n) => [n, file.baselines[n]!])) };
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * Reads a baseline file or a run's JSON report: the baseline form `{ version: 1, baselines }`, or
 * analyzer reports (`AnalysisReport[]` as `onReport` collects them, or `{ reports: [...] }`), one
 * baseline per scope name (reports of one scope name add up). @internal
 */
export function parseBaselineJson(text: string, source: string): QueryBaselineFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`);
  }
  const reports = Array.isArray(data) ? data : (data as { reports?: unknown })?.reports;
  if (Array.isArray(reports)) {
    const byScope = new Map<string, Pick<AnalysisReport, "queries">[]>();
    for (const report of reports as AnalysisReport[]) {
      if (typeof report?.scope !== "string" || !Array.isArray(report.queries)) throw new Error(`${source}: every report needs a scope and queries`);
      byScope.set(report.scope, [...(byScope.get(report.scope) ?? []), report]);
    }
    return { version: 1, baselines: Object.fromEntries([...byScope].map(([scope, rs]) => [scope, baselineOf(rs)])) };
  }
  const file = data as Partial<QueryBaselineFile>;
  if (file?.version !== 1 || typeof file.baselines !== "object" || file.baselines === null) {
    throw new Error(`${source} is neither a query baseline file ({ "version": 1, "baselines": … }) nor a list of analyzer reports`);
  }
  return file as QueryBaselineFile;
}
