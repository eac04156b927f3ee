export { QueryAnalyzer, ANALYZER_CHANNEL } from "./query-analyzer";
export { QueryAnalysisError } from "./query-analysis-error";
export type { AnalyzerMode, IgnoreRule, QueryAnalyzerOptions } from "./analyzer-options";
export type { AnalysisReport, CapturedQuery, Finding, FindingKind, FingerprintStats, PlanSummary } from "./analysis-report";
export { withOperationTag, type OperationTag } from "./operation-tag";
export { CallSiteTracer } from "./call-site-tracer";
export { resolveAnalyzerOptions } from "./analyzer-options";
