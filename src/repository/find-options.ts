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
  /** Only rows matching this filter; every field, operator and value is checked first. */
  where?: Filter<T>;
  /** Sort order, e.g. `"-createdAt,name"`; the primary key is appended as tie-breaker. */
  orderBy?: Sort<T>;
  /** Relations to load with each row, e.g. `{ author: true, tags: true }`. */
  relations?: Relations<T>;
  /** How `relations` are loaded; default: `"join"` when every requested relation is to-one, else `"query"`. */
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
  /** Only rows matching this filter; every field, operator and value is checked first. */
  where?: Filter<T>;
  /** Sort order, e.g. `"-createdAt,name"`; the primary key is appended as tie-breaker. */
  orderBy?: Sort<T>;
  /** Relations to load with each row, e.g. `{ author: true, tags: true }`. */
  relations?: Relations<T>;
  /** How `relations` are loaded; default: `"join"` when every requested relation is to-one, else `"query"`. */
  relationStrategy?: RelationStrategy;
  /** `"exact"` (default): count the matching roots; `"none"`: no count, `hasNext` from one extra row. */
  count?: "exact" | "none";
  /** Include soft-deleted rows (the root's and the related ones); default `false`. */
  withDeleted?: boolean;
}

/** Options of `paginateByCursor`. */
export interface CursorPaginateOptions<T> {
  /** Items per page, 1 to the repository's `maxPageSize`. */
  first: number;
  /** `pageInfo.endCursor` of the previous page; `null` or `undefined` for the first page. */
  after?: string | null;
  /** Only rows matching this filter; every field, operator and value is checked first. */
  where?: Filter<T>;
  /** Sort order, e.g. `"-createdAt,name"`; the primary key is appended as tie-breaker. */
  orderBy?: Sort<T>;
  /** Relations to load with each row, e.g. `{ author: true, tags: true }`. */
  relations?: Relations<T>;
  /** How `relations` are loaded; default: `"join"` when every requested relation is to-one, else `"query"`. */
  relationStrategy?: RelationStrategy;
  /** Include soft-deleted rows (the root's and the related ones); default `false`. */
  withDeleted?: boolean;
}

/** Options of `getById` / `getByIdOrFail`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface GetByIdOptions<T = any> {
  /** Relations to load with the entity, e.g. `{ author: true }`. */
  relations?: Relations<T>;
  /** Pessimistic row lock; only inside a unit of work. */
  lock?: "pessimistic_read" | "pessimistic_write";
  /** Also find a soft-deleted row; default `false`. */
  withDeleted?: boolean;
}
