/**
 * unitwork/testing: assertions on the statements a piece of code runs.
 */
export { expectNoNPlusOne } from "./expect-no-n-plus-one";
export { expectQueryCount, type QueryCountExpectation } from "./expect-query-count";
export type { AnalyzerSource } from "./resolve-analyzers";
