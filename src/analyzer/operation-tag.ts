import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What unitwork itself is doing when it issues a statement, so the analyzer can tell its own
 * chunked bulk statements and pagination walks from an application's N+1. @internal
 */
export interface OperationTag {
  kind: "bulk" | "pagination" | "internal";
  /** e.g. "bulkInsert FunctionLog" */
  label?: string;
}

const storage = new AsyncLocalStorage<OperationTag>();

/** Runs `fn` with every statement it issues tagged. @internal */
export function withOperationTag<R>(tag: OperationTag, fn: () => R): R {
  return storage.run(tag, fn);
}

/** The tag of the statement being issued now, if any. @internal */
export function currentOperationTag(): OperationTag | undefined {
  return storage.getStore();
}
