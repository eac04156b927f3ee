/**
 * unitwork/testing: assertions on the statements a piece of code runs.
 */
export { expectNoNPlusOne } from "./expect-no-n-plus-one";
export { expectQueryCount, type QueryCountExpectation } from "./expect-query-count";
export { expectQueryBaseline, type QueryBaselineOptions } from "./expect-query-baseline";
export { expectRouteBaselines } from "./expect-route-baselines";
export type { BaselineStatement, QueryBaseline, QueryBaselineFile, BaselineComparison } from "./query-baseline";
export type { AnalyzerSource } from "./resolve-analyzers";
/** @internal */
export { baselineOf, compareBaseline, formatComparison, parseBaselineJson, serializeBaselineFile } from "./query-baseline";
/** @internal */
export { baselinePathFor, readBaselineFile, writeBaselineFile, BASELINE_FOLDER } from "./baseline-files";
