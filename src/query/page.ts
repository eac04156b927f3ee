import { InvalidQueryError } from "../errors";
import { describe } from "./column-value";

/** One page of an offset listing. `total`/`totalPages` are `null` with `count: "none"`. */
export interface Page<T> {
  /** The entities of this page, at most `pageSize`. */
  items: T[];
  /** Matching rows in all pages; `null` with `count: "none"`. */
  total: number | null;
  /** This page's number, from 1. */
  page: number;
  /** The requested page size. */
  pageSize: number;
  /** Number of pages; `null` with `count: "none"`. */
  totalPages: number | null;
  /** Whether a later page has rows. */
  hasNext: boolean;
  /** Whether this is not the first page (`page > 1`). */
  hasPrevious: boolean;
}

/** One page of a keyset (cursor) listing. */
export interface CursorPage<T> {
  /** The entities of this page, at most `first`. */
  items: T[];
  /** Cursors to continue from. */
  pageInfo: {
    /** Cursor of the first item (null on an empty page). */
    startCursor: string | null;
    /** Cursor of the last item; pass it as `after` for the next page. */
    endCursor: string | null;
    /** Whether more rows follow `endCursor`. */
    hasNextPage: boolean;
  };
}

/** Limits a repository applies to page sizes and offsets. @internal */
export interface PageLimits {
  maxPageSize: number;
  maxOffset: number;
}

/** Checks a page size / limit / `first`: an integer from 1 to `maxPageSize`. @internal */
export function checkPageSize(value: unknown, name: string, limits: PageLimits): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidQueryError(`${name} must be an integer of at least 1, got ${describe(value)}`, name);
  }
  if (value > limits.maxPageSize) throw new InvalidQueryError(`${name} ${value} is above the maximum page size of ${limits.maxPageSize}`, name);
  return value;
}

/** Checks an offset: an integer from 0 to `maxOffset`. @internal */
export function checkOffset(value: unknown, name: string, limits: PageLimits): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidQueryError(`${name} must be an integer of at least 0, got ${describe(value)}`, name);
  }
  if (value > limits.maxOffset) {
    throw new InvalidQueryError(`${name} ${value} is above the maximum offset of ${limits.maxOffset}; use paginateByCursor for deep listings`, name);
  }
  return value;
}

/** Checks `page` (from 1) and `pageSize`, and returns the offset they make. @internal */
export function pageOffset(page: unknown, pageSize: unknown, limits: PageLimits): { page: number; pageSize: number; offset: number } {
  const size = checkPageSize(pageSize, "pageSize", limits);
  if (typeof page !== "number" || !Number.isInteger(page) || page < 1) {
    throw new InvalidQueryError(`page must be an integer of at least 1, got ${describe(page)}`, "page");
  }
  const offset = (page - 1) * size;
  if (offset > limits.maxOffset) {
    throw new InvalidQueryError(`page ${page} starts at offset ${offset}, above the maximum offset of ${limits.maxOffset}; use paginateByCursor for deep listings`, "page");
  }
  return { page, pageSize: size, offset };
}
