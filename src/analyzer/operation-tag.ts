import type { ContextStore } from "../unit-of-work";

/**
 * What unitwork itself is doing when it issues a statement, so the analyzer can tell its own
 * chunked bulk statements and pagination walks from an application's N+1. @internal
 */
export interface OperationTag {
  kind: "bulk" | "pagination" | "internal";
  /** e.g. "bulkInsert FunctionLog" */
  label?: string;
}

/** Runs `fn` with every statement it issues tagged. @internal */
export function withOperationTag<R>(context: ContextStore, tag: OperationTag, fn: () => R): R {
  return context.with({ operation: tag }, fn);
}
