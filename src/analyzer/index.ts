export { QueryAnalyzer } from "./query-analyzer";
export { QueryAnalysisError } from "./query-analysis-error";
export type { AnalyzerMode, IgnoreRule, QueryAnalyzerOptions, ResolvedAnalyzerOptions } from "./analyzer-options";
export type { AnalysisReport, BlockerInfo, CapturedQuery, Finding, FindingKind, FingerprintStats, LockInfo, PlanSummary } from "./analysis-report";
/** @internal */
export { ANALYZER_CHANNEL } from "./query-analyzer";
/** @internal */
export { withOperationTag, type OperationTag } from "./operation-tag";
/** @internal */
export { CallSiteTracer } from "./call-site-tracer";
/** @internal */
export { OverFetchWatch } from "./over-fetch-watch";
/** @internal */
export { resolveAnalyzerOptions } from "./analyzer-options";
/** @internal the call site and statement helpers telemetry reads (`src/telemetry/`). */
export { captureStack, type CapturedStack } from "./stack-frames";
/** @internal */
export { formatFrame, sourcePosition } from "./source-position";
/** @internal */
export { isTransactionControl } from "./statement-shape";
