import type { DataSource } from "typeorm";
import type { ContextStore } from "../unit-of-work";
import type { OperationTag } from "./operation-tag";

const CACHE_METHODS = ["getFromCache", "storeInCache", "remove", "clear"] as const;
const TAG: OperationTag = Object.freeze({ kind: "internal", label: "query-result cache" });

/**
 * Tags the statements of ONE DataSource's query-result cache (`cache: true` finds read and write the
 * `query-result-cache` table): they keep the call site of the find that caused them, but are TypeORM's
 * bookkeeping, so the rules count them once per call (a cached find repeated is a cache hit, not a
 * duplicate). The wrappers are own properties of this DataSource's cache object. Returns the undo. @internal
 */
export function traceQueryResultCache(dataSource: DataSource, context: ContextStore): () => void {
  const cache = dataSource.queryResultCache as unknown as Record<string, unknown> | undefined;
  if (!cache) return () => undefined;
  const wrapped: string[] = [];
  for (const name of CACHE_METHODS) {
    const original = cache[name];
    if (typeof original !== "function" || Object.prototype.hasOwnProperty.call(cache, name)) continue;
    Object.defineProperty(cache, name, {
      value: function (this: unknown) {
        const args = arguments;
        return context.with({ operation: TAG }, () => original.apply(this, args));
      },
      writable: true,
      configurable: true,
    });
    wrapped.push(name);
  }
  return () => {
    for (const name of wrapped) delete cache[name];
  };
}
