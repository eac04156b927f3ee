import type { DeepPartial } from "typeorm";
import type { EntityId } from "./entity-id";

/** Rows for `bulkInsert`: an array, any Iterable, or an AsyncIterable (streamed with backpressure). */
export type BulkRowsInput<T> = readonly DeepPartial<T>[] | Iterable<DeepPartial<T>> | AsyncIterable<DeepPartial<T>>;

/** Options of `bulkInsert`. */
export interface BulkInsertOptions {
  /** `"ids"` (default): `ids[i]` is the key of `rows[i]` (keys are reserved before the write). `"none"`: no ids. */
  returning?: "ids" | "none";
  /**
   * Run the entity's class-validator rules on every row before writing it (default: the repository's
   * setting, `true` unless configured; entities without rules are never validated). `false` skips them;
   * unitwork's own checks (writable keys, generated columns, function values, NUL) always run.
   */
  validate?: boolean;
  /** Called after each chunk with the number of rows written so far in this call. */
  onProgress?: (done: number) => void;
  /**
   * Take generated values (a generated primary key, `@Generated` columns) from the rows that give them,
   * e.g. to load rows exported from another database with their ids; the key's sequence is then moved
   * past the largest key. Without it such a key is a `ValidationError`. With `returning: "ids"` every
   * row must give its key.
   */
  keepGenerated?: boolean;
  /**
   * Force a strategy. By default COPY is used for 1,000 rows or more (and for iterables), `unnest` below.
   * COPY falls back to `unnest` for a chunk where a column some rows leave out has a default only the
   * database can compute (e.g. `now()`), and for GENERATED ALWAYS identity keys.
   */
  strategy?: "unnest" | "copy";
  /** Rows per statement (default 10,000). */
  chunkSize?: number;
}

/** What `bulkInsert` wrote. */
export interface BulkInsertResult {
  /** Rows inserted. */
  count: number;
  /** `ids[i]` is the primary key of `rows[i]`; `undefined` with `returning: "none"`. */
  ids?: EntityId[];
}

/** Options of `bulkUpdate`. */
export interface BulkUpdateOptions {
  /** As in `bulkInsert`: `false` skips the entity's class-validator rules for this call. */
  validate?: boolean;
  /** As in `bulkInsert`: called after each chunk with the number of rows processed so far in this call. */
  onProgress?: (done: number) => void;
  /** Rows per statement (default 10,000). */
  chunkSize?: number;
}

/** What `bulkUpdate` changed. */
export interface BulkUpdateResult {
  /** Rows updated (soft-deleted rows are not updated and not counted). */
  count: number;
}

/** Options of `bulkUpsert`. */
export interface BulkUpsertOptions<T> {
  /** Properties forming a unique key (checked against the entity's unique constraints). */
  conflictPaths: (keyof T & string)[];
  /** Columns to update on conflict; default: every column the row sets except the conflict paths. `[]`: DO NOTHING. */
  updateColumns?: (keyof T & string)[];
  /** As in `bulkInsert`: `false` skips the entity's class-validator rules for this call. */
  validate?: boolean;
  /** As in `bulkInsert`: take generated values (ids, `@Generated` columns) from the rows. */
  keepGenerated?: boolean;
  /** As in `bulkInsert`: called after each chunk with the number of rows processed so far in this call. */
  onProgress?: (done: number) => void;
  /** Rows per statement (default 10,000). */
  chunkSize?: number;
}

/** What `bulkUpsert` wrote. */
export interface BulkUpsertResult {
  /** Rows inserted (no conflict). */
  inserted: number;
  /** Existing rows updated on conflict (0 with `updateColumns: []`, DO NOTHING). */
  updated: number;
}

/** What `bulkDelete`, `bulkSoftDelete` or `bulkRestore` changed. */
export interface BulkDeleteResult {
  /** Rows deleted, soft-deleted or restored. */
  count: number;
}
