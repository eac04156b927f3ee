export { QueryAnalyzer } from "./query-analyzer";
export type { AnalyzerMode, IgnoreRule, QueryAnalyzerOptions } from "./analyzer-options";
export type { AnalysisReport, CapturedQuery, Finding, FindingKind, FingerprintStats, PlanSummary } from "./analysis-report";
export { withOperationTag, currentOperationTag, type OperationTag } from "./operation-tag";
export { resolveAnalyzerOptions } from "./analyzer-options";
