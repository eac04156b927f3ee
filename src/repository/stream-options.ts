import type { FindManyOptions, RelationStrategy } from "./find-options";

/**
 * Options of `stream`: those of `findMany` (rows come in `findMany`'s order), with a stream's own
 * defaults for `relationStrategy` and `limit`, plus `batchSize`.
 */
export interface StreamOptions<T> extends Omit<FindManyOptions<T>, "relationStrategy" | "limit"> {
  /**
   * How `relations` are loaded. `"query"` (default): one statement per relation and level per batch.
   * `"join"`: to-one relations are LEFT JOINed into the cursor's statement (no statement per batch);
   * to-many relations cannot be joined into a cursor (`InvalidQueryError`).
   */
  relationStrategy?: RelationStrategy;
  /** At most this many rows (any positive integer; a stream is not bound by `maxPageSize`). */
  limit?: number;
  /**
   * Rows fetched from the server-side cursor per round trip, hydrated and given their relations
   * together: 1 to 10,000, default 1,000. Memory holds about one batch at a time.
   */
  batchSize?: number;
}
