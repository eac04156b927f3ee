import type { EntityMetadata, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { compileFilter } from "./filter-compiler";
import { SqlBindings } from "./sql-bindings";

/** Comparison operators of a {@link Filter} field. */
export interface FieldOperators<V> {
  /** Equal to the value; `null` means `IS NULL`. */
  eq?: V | null;
  /** Not equal (`IS DISTINCT FROM`, so NULL rows match); `null` means `IS NOT NULL`. */
  ne?: V | null;
  /** Greater than. */
  gt?: V;
  /** Greater than or equal. */
  gte?: V;
  /** Less than. */
  lt?: V;
  /** Less than or equal. */
  lte?: V;
  /** Equal to one of the values (no `null` in the list; use `isNull`). */
  in?: readonly V[];
  /** Equal to none of the values (no `null` in the list; use `isNull`). */
  notIn?: readonly V[];
  /** SQL `LIKE` pattern (`%` and `_` are wildcards); strings only. */
  like?: string;
  /** Case-insensitive `ILIKE` pattern; strings only. */
  ilike?: string;
  /** Contains the text, matched literally (`%` and `_` are not wildcards); strings only. */
  contains?: string;
  /** Starts with the text, matched literally; strings only. */
  startsWith?: string;
  /** Ends with the text, matched literally; strings only. */
  endsWith?: string;
  /** Between `from` and `to`, both inclusive (SQL `BETWEEN`). */
  between?: readonly [V, V];
  /** `true`: `IS NULL`; `false`: `IS NOT NULL`. */
  isNull?: boolean;
}

/** @inline */
type Scalar = string | number | boolean | bigint | Date | null;

/**
 * What a filter accepts for one field of type `V`: the value itself, an operator object for scalars
 * and dates, or a nested `Filter` for a relation (to-many: "some child matches").
 *
 * @example
 * const byDate: FieldFilter<Date> = { gte: "2025-01-01" };
 */
export type FieldFilter<V> = NonNullable<V> extends Date
  ? V | string | FieldOperators<Date | string>
  : NonNullable<V> extends Scalar
  ? V | FieldOperators<NonNullable<V>>
  : NonNullable<V> extends readonly (infer E)[]
    ? E extends ObjectLiteral ? Filter<E> : never
    : NonNullable<V> extends ObjectLiteral ? Filter<NonNullable<V>> | V : V;

/**
 * A checked, parameterised WHERE clause: `{ field: value }`, `{ field: { op: value } }`, relation
 * fields as nested objects, and `and` / `or` / `not`.
 *
 * @example
 * { status: "active", createdAt: { gte: new Date("2025-01-01") }, user: { email: { ilike: "%@acme.co" } } }
 */
export type Filter<T> = { [K in keyof T]?: FieldFilter<T[K]> } & {
  /** Every one of these filters matches (in addition to the fields beside it). */
  and?: Filter<T>[];
  /** At least one of these filters matches. */
  or?: Filter<T>[];
  /** This filter does not match. */
  not?: Filter<T>;
};

/** The part of a TypeORM query builder `applyFilter` needs (select, update, delete and soft-delete builders). */
export interface FilterTarget {
  andWhere(where: string): unknown;
  setParameters(parameters: ObjectLiteral): unknown;
}

/**
 * Checks `where` against the entity metadata and adds it to the query builder as one parameterised
 * condition on `alias` (see {@link compileFilter}). Throws `InvalidQueryError` before touching `qb`
 * when anything in it is unknown or mistyped. One filter per query builder: its parameters are named
 * `uwf_…`. @internal
 */
export function applyFilter<T extends ObjectLiteral>(qb: SelectQueryBuilder<T> | FilterTarget, metadata: EntityMetadata, alias: string, where: Filter<T> | undefined, options: { withDeleted?: boolean } = {}): void {
  const compiled = compileFilter(metadata, alias, where, { withDeleted: options.withDeleted, bindings: new SqlBindings("uwf_") });
  if (compiled.sql === undefined) return;
  qb.andWhere(compiled.sql);
  qb.setParameters(compiled.parameters);
}

