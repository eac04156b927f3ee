import { UnitworkError } from "../errors";
import type { AnalysisReport } from "./analysis-report";

/**
 * The query analyzer in `"throw"` mode found N+1, duplicate or slow queries in a scope; `report`
 * holds the findings (call sites, SQL, suggestions).
 *
 * @example
 * uw.analyzer.configure({ mode: "throw" });
 * const failed = await uw.unitOfWork.run(() => listPostsWithAuthors()).catch((e: unknown) => e);
 * if (failed instanceof QueryAnalysisError) console.log(failed.report.findings[0]?.suggestion);
 */
export class QueryAnalysisError extends UnitworkError {
  override readonly code = "QUERY_ANALYSIS_FAILED";
  constructor(readonly report: AnalysisReport, message?: string) {
    super(message ?? `query analysis of "${report.scope}" found ${report.findings.length} problem(s):\n${report.findings.map((f) => `  - ${f.kind} x${f.count} at ${f.callSite}: ${f.suggestion}`).join("\n")}`);
  }
}
