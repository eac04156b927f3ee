import type { DeepPartial, ObjectLiteral } from "typeorm";
import type { Filter } from "../query";
import type { AsyncBaseRepository, EntityId } from "./async-base-repository";

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

/** The set-based engine behind the repository's bulk methods (implemented in `src/bulk`). @internal */
export interface BulkEngine {
  insert<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, rows: BulkRowsInput<T>, options: BulkInsertOptions): Promise<BulkInsertResult>;
  update<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, rows: readonly DeepPartial<T>[], options: BulkUpdateOptions): Promise<BulkUpdateResult>;
  upsert<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, rows: readonly DeepPartial<T>[], options: BulkUpsertOptions<T>): Promise<BulkUpsertResult>;
  delete<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>): Promise<BulkDeleteResult>;
  softDelete<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>): Promise<BulkDeleteResult>;
  restore<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>): Promise<BulkDeleteResult>;
}
