import type { EntityMetadata, ObjectLiteral, SelectQueryBuilder, WhereExpressionBuilder } from "typeorm";
import { InvalidQueryError } from "../errors";

/** Comparison operators of a {@link Filter} field. */
export interface FieldOperators<V> {
  eq?: V | null;
  ne?: V | null;
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  in?: readonly V[];
  notIn?: readonly V[];
  like?: string;
  ilike?: string;
  contains?: string;
  startsWith?: string;
  endsWith?: string;
  between?: readonly [V, V];
  isNull?: boolean;
}

type Scalar = string | number | boolean | bigint | Date | null;
type FieldFilter<V> = NonNullable<V> extends Scalar
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
  and?: Filter<T>[];
  or?: Filter<T>[];
  not?: Filter<T>;
};

/**
 * Adds `where` to the query builder. This first version takes `{ column: value }` equality only;
 * anything else throws `InvalidQueryError`. @internal
 */
export function applyFilter<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, metadata: EntityMetadata, alias: string, where: Filter<T> | undefined): void {
  if (where === undefined) return;
  if (where === null || typeof where !== "object" || Array.isArray(where)) throw new InvalidQueryError("where must be an object");
  let index = 0;
  for (const [key, value] of Object.entries(where)) {
    const column = metadata.columns.find((c) => c.propertyName === key && !c.relationMetadata);
    if (!column) throw new InvalidQueryError(`unknown filter field ${JSON.stringify(key)} on ${metadata.name}`, key, metadata.columns.map((c) => c.propertyName));
    if (value !== null && typeof value === "object" && !(value instanceof Date)) {
      throw new InvalidQueryError(`unsupported filter value for ${key}`, key);
    }
    const param = `w${index++}`;
    const target: WhereExpressionBuilder = qb;
    if (value === null) target.andWhere(`${alias}.${column.propertyPath} IS NULL`);
    else target.andWhere(`${alias}.${column.propertyPath} = :${param}`, { [param]: value });
  }
}
