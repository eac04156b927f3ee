import type { DeepPartial } from "typeorm";
import type { EntityId } from "./entity-id";

/** Rows for `bulkInsert`: an array, any Iterable, or an AsyncIterable (streamed with backpressure). */
export type BulkRowsInput<T> = readonly DeepPartial<T>[] | Iterable<DeepPartial<T>> | AsyncIterable<DeepPartial<T>>;

export interface BulkInsertOptions {
  /** `"ids"` (default): `ids[i]` is the key of `rows[i]` (keys are reserved before the write). `"none"`: no ids. */
  returning?: "ids" | "none";
  /** Run class-validator on every row before writing anything. */
  validate?: boolean;
  /** Called with the number of rows written so far. */
  onProgress?: (done: number) => void;
  /**
   * Force a strategy. By default COPY is used for 1,000 rows or more (and for iterables), `unnest` below.
   * COPY falls back to `unnest` for a chunk where a column some rows leave out has a default only the
   * database can compute (e.g. `now()`), and for GENERATED ALWAYS identity keys.
   */
  strategy?: "unnest" | "copy";
  /** Rows per statement (default chosen by the engine). */
  chunkSize?: number;
}

export interface BulkInsertResult {
  count: number;
  ids?: EntityId[];
}

export interface BulkUpdateOptions {
  onProgress?: (done: number) => void;
  chunkSize?: number;
}

export interface BulkUpdateResult {
  count: number;
}

export interface BulkUpsertOptions<T> {
  /** Properties forming a unique key (checked against the entity's unique constraints). */
  conflictPaths: (keyof T & string)[];
  /** Columns to update on conflict; default: every column the row sets except the conflict paths. `[]`: DO NOTHING. */
  updateColumns?: (keyof T & string)[];
  onProgress?: (done: number) => void;
  chunkSize?: number;
}

export interface BulkUpsertResult {
  inserted: number;
  updated: number;
}

export interface BulkDeleteResult {
  count: number;
}
