import type { AnalysisScope } from "./analysis-scope";
import type { OperationTag } from "./operation-tag";
import type { CapturedStack } from "./stack-frames";

// The analyzer's part of the one execution context of a unitwork instance (declared in the
// unit-of-work layer below, which must not import this one).
declare module "../unit-of-work/execution-context" {
  interface ExecutionContext {
    /** The innermost open analyzer scope (an `analyzer.scope()`, an outermost unit of work, a request). */
    readonly analysis?: AnalysisScope;
    /** The application's call site, captured where it called into a repository or EntityManager. */
    readonly callSite?: CapturedStack;
    /** What unitwork itself is doing (a bulk chunk, a pagination walk). */
    readonly operation?: OperationTag;
    /** The analyzer's own statements (EXPLAIN): never captured. */
    readonly internal?: true;
  }
}

export {};
