import type { Filter, Relations, Sort } from "../query";

/**
 * How related entities are loaded: `"join"` adds LEFT JOINs to the statement (to-many relations are
 * then loaded for the page's roots in a second statement, so limits count roots, not joined rows);
 * `"query"` runs one extra statement per relation level. Default: `"join"` when every requested
 * relation is to-one, else `"query"`.
 */
export type RelationStrategy = "join" | "query";

/** Options of `findMany` / `findFirst`. */
export interface FindManyOptions<T> {
  where?: Filter<T>;
  orderBy?: Sort<T>;
  relations?: Relations<T>;
  relationStrategy?: RelationStrategy;
  /** At most this many rows (1 to the repository's `maxPageSize`). */
  limit?: number;
  /** Skip this many rows (0 to the repository's `maxOffset`). */
  offset?: number;
  /** Include soft-deleted rows (the root's and the related ones). */
  withDeleted?: boolean;
}

/** Options of `paginate`. */
export interface PaginateOptions<T> {
  /** Page number, from 1. */
  page: number;
  /** Items per page, 1 to the repository's `maxPageSize` (default 1000). */
  pageSize: number;
  where?: Filter<T>;
  orderBy?: Sort<T>;
  relations?: Relations<T>;
  relationStrategy?: RelationStrategy;
  /** `"exact"` (default): count the matching roots; `"none"`: no count, `hasNext` from one extra row. */
  count?: "exact" | "none";
  withDeleted?: boolean;
}

/** Options of `paginateByCursor`. */
export interface CursorPaginateOptions<T> {
  /** Items per page, 1 to the repository's `maxPageSize`. */
  first: number;
  /** `pageInfo.endCursor` of the previous page. */
  after?: string | null;
  where?: Filter<T>;
  orderBy?: Sort<T>;
  relations?: Relations<T>;
  relationStrategy?: RelationStrategy;
  withDeleted?: boolean;
}

/** Options of `getById` / `getByIdOrFail`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface GetByIdOptions<T = any> {
  relations?: Relations<T>;
  /** Pessimistic row lock; only inside a unit of work. */
  lock?: "pessimistic_read" | "pessimistic_write";
  withDeleted?: boolean;
}
