/**
 * The slice of the QueryAnalyzer that request handling uses, typed structurally so that http does not
 * depend on the analyzer's implementation. @internal
 */
export interface AnalysisReportLike {
  scope: string;
  queryCount: number;
  totalDurationMs: number;
  queries: readonly unknown[];
  findings: readonly { kind: string; count?: number; fingerprint?: string; callSite?: string; suggestion?: string }[];
}

/**
 * `Server-Timing` value for a report: DB time and query count, readable in the browser's dev tools.
 * @example serverTiming({ queryCount: 3, totalDurationMs: 4.2, … }) // 'db;dur=4.2;desc="3 queries"'
 */
export function serverTiming(report: Pick<AnalysisReportLike, "queryCount" | "totalDurationMs">): string {
  const ms = Math.round(report.totalDurationMs * 10) / 10;
  return `db;dur=${ms};desc="${report.queryCount} ${report.queryCount === 1 ? "query" : "queries"}"`;
}
