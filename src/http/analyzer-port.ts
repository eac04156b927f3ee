/**
 * The analyzer report as request handling sees it (`ScopedOutcome.report`): an `AnalysisReport`,
 * typed structurally so that http does not depend on the analyzer's implementation.
 */
export interface AnalysisReportLike {
  /** Name of the scope. */
  scope: string;
  /** Statements the scope ran. */
  queryCount: number;
  /** Sum of the statements' durations, in ms. */
  totalDurationMs: number;
  /** The statements (`CapturedQuery` objects). */
  queries: readonly unknown[];
  /** The analyzer's findings. */
  findings: readonly {
    /** `"n+1"`, `"duplicate"` or `"slow"`. */
    kind: string;
    /** How many statements the finding covers. */
    count?: number;
    /** The statement shape. */
    fingerprint?: string;
    /** `file:line:column` in application code. */
    callSite?: string;
    /** What to change. */
    suggestion?: string;
    /** The server that ran its sample statement: `"primary"`, or a read replica's name. */
    server?: string;
  }[];
}

/**
 * `Server-Timing` value for a report: DB time (ms, one decimal) and statement count, readable in the
 * browser's dev tools. The adapters set it for you; this is for a handler or framework of your own.
 *
 * @example
 * ```ts
 * import { serverTiming } from "unitwork";
 *
 * const { report } = await uw.analyzer.scope("GET /users", () => users.findMany({ limit: 20 }));
 * const header = serverTiming(report); // e.g. 'db;dur=4.2;desc="1 query"'
 * ```
 */
export function serverTiming(report: Pick<AnalysisReportLike, "queryCount" | "totalDurationMs">): string {
  const ms = Math.round(report.totalDurationMs * 10) / 10;
  return `db;dur=${ms};desc="${report.queryCount} ${report.queryCount === 1 ? "query" : "queries"}"`;
}
