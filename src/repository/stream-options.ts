import type { Filter, Relations, Sort } from "../query";
import type { RelationStrategy } from "./find-options";

/** Options of `stream`: those of `findMany`, plus `batchSize`. */
export interface StreamOptions<T> {
  /** Only rows matching this filter; every field, operator and value is checked first (as for `findMany`). */
  where?: Filter<T>;
  /** Sort order, e.g. `"-createdAt,name"`; the primary key is appended as tie-breaker, so rows come in `findMany`'s order. */
  orderBy?: Sort<T>;
  /** Relations to load with each row, e.g. `{ user: true, deployments: true }`: one statement per relation and level per batch. */
  relations?: Relations<T>;
  /**
   * How `relations` are loaded. `"query"` (default): one statement per relation and level per batch.
   * `"join"`: to-one relations are LEFT JOINed into the cursor's statement (no statement per batch);
   * to-many relations cannot be joined into a cursor (`InvalidQueryError`).
   */
  relationStrategy?: RelationStrategy;
  /** At most this many rows (any positive integer; a stream is not bound by `maxPageSize`). */
  limit?: number;
  /** Skip this many rows first (0 to the repository's `maxOffset`). */
  offset?: number;
  /** Include soft-deleted rows (the root's and the related ones). */
  withDeleted?: boolean;
  /**
   * Rows fetched from the server-side cursor per round trip, hydrated and given their relations
   * together: 1 to 10,000, default 1,000. Memory holds about one batch at a time.
   */
  batchSize?: number;
}
