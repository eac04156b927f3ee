import { InvalidQueryError } from "../errors";
import { checkPageSize, hasToMany } from "../query";
import { checkOptions } from "./list-options";
import { planList, type ListPlan } from "./list-plan";
import type { RepositoryCore } from "./repository-core";

/** Rows per FETCH unless `batchSize` says otherwise. @internal */
export const DEFAULT_STREAM_BATCH_SIZE = 1000;
/** The largest `batchSize`: a batch is held in memory, hydrated and given its relations at once. @internal */
export const MAX_STREAM_BATCH_SIZE = 10_000;

/** A checked `stream` call: the listing plan `findMany` would make, and the batch size. @internal */
export interface StreamPlan {
  list: ListPlan;
  batchSize: number;
}

/**
 * Checks the options of `stream` before any connection is taken: `findMany`'s checks (filter, sort,
 * relations, offset, untrusted input), a `limit` of any positive integer, `batchSize`, and a
 * `relationStrategy` a cursor can serve ("query" by default; "join" for to-one relations only). @internal
 */
export function planStream(core: Pick<RepositoryCore, "metadata" | "settings">, options: unknown): StreamPlan {
  checkOptions(options, "stream");
  const { batchSize: batchInput, limit: limitInput, relationStrategy, ...listOptions } = options as Record<string, unknown>;
  const list = planList(core, { ...listOptions, relationStrategy: relationStrategy ?? "query" });
  if (limitInput !== undefined) list.limit = checkPageSize(limitInput, "limit", { maxPageSize: Number.MAX_SAFE_INTEGER, maxOffset: 0 });
  if (list.strategy === "join" && hasToMany(list.relations)) {
    throw new InvalidQueryError(`stream: relationStrategy "join" takes to-one relations only, eager ones included (a cursor cannot join to-many rows); load them per batch with "query"`, "relationStrategy", ["query"]);
  }
  return { list, batchSize: checkBatchSize(batchInput) };
}

function checkBatchSize(value: unknown): number {
  if (value === undefined) return DEFAULT_STREAM_BATCH_SIZE;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_STREAM_BATCH_SIZE) {
    const shown = typeof value === "number" ? String(value) : typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : value === null ? "null" : typeof value;
    throw new InvalidQueryError(`batchSize must be an integer from 1 to ${MAX_STREAM_BATCH_SIZE}, got ${shown}`, "batchSize");
  }
  return value;
}
