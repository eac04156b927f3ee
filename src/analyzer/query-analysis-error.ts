import { UnitworkError } from "../errors";
import type { AnalysisReport } from "./analysis-report";

/**
 * The query analyzer in `"throw"` mode found N+1, duplicate or slow queries in a scope; `report`
 * holds the findings (call sites, SQL, suggestions). The test helpers of `unitwork/testing` throw it too.
 *
 * @example
 * ```ts
 * import { createUnitwork, QueryAnalysisError } from "unitwork";
 *
 * const uw = await createUnitwork({ dataSource, analyzer: { mode: "throw" } });
 * const [functions, users] = [uw.repositories.create(FunctionEntity), uw.repositories.create(User)];
 * try {
 *   await uw.analyzer.scope("function owners", async () => {
 *     for (const fn of await functions.findMany({ limit: 20 })) await users.getById(fn.userId); // an N+1
 *   });
 * } catch (error) {
 *   if (!(error instanceof QueryAnalysisError)) throw error;
 *   for (const finding of error.report.findings) console.warn(finding.kind, finding.callSite, finding.suggestion);
 * }
 * ```
 */
export class QueryAnalysisError extends UnitworkError {
  override readonly code = "QUERY_ANALYSIS_FAILED";
  /**
   * @param report The report of the scope, with its findings.
   * @param message Overrides the default message (a list of the findings).
   */
  constructor(readonly report: AnalysisReport, message?: string) {
    super(message ?? `query analysis of "${report.scope}" found ${report.findings.length} problem(s):\n${report.findings.map((f) => `  - ${f.kind} x${f.count} at ${f.callSite}: ${f.suggestion}`).join("\n")}`);
  }
}
