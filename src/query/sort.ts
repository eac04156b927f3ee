import type { EntityMetadata, RelationMetadata } from "typeorm";
import type { ColumnMetadata } from "./column-metadata";
import { InvalidQueryError } from "../errors";
import { columnKind, describe } from "./column-value";
import { entityFields, isPlainObject, printable, unknownKey } from "./entity-fields";
import { columnRef, quoteIdentifier, tableRef } from "./sql-identifier";
import { isToMany, relatedMetadata, relationCondition } from "./relation-join";
import type { SqlBindings } from "./sql-bindings";

/** A sort direction, in either case. */
export type SortDirection = "ASC" | "DESC" | "asc" | "desc";

/** One sort key with its NULLS placement (`"first"`/`"last"`; PostgreSQL's default when omitted). */
export interface SortSpec {
  /** Default `"ASC"`. */
  direction?: SortDirection;
  /** Where NULLs go; default: last ascending, first descending (PostgreSQL's default). */
  nulls?: "first" | "last";
}

/**
 * The object form of a `Sort`: a direction (or `{ direction, nulls }`) per field, nested for to-one
 * relations.
 *
 * @example
 * const order: SortObject<FunctionEntity> = { createdAt: "DESC", user: { email: "ASC" } };
 */
export type SortObject<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends readonly unknown[]
    ? never
    : NonNullable<T[K]> extends Date | string | number | boolean | bigint
      ? SortDirection | SortSpec
      : SortDirection | SortSpec | SortObject<NonNullable<T[K]>>;
};

/**
 * The order of a listing: a string (`"-createdAt,name"`, `-` for descending, dotted paths through
 * to-one relations such as `"user.email"`) or an object (`{ createdAt: "DESC", user: { email: "ASC" } }`,
 * `{ deployedAt: { direction: "DESC", nulls: "last" } }`). The primary key is always appended, so the
 * order is stable.
 */
export type Sort<T> = string | SortObject<T>;

/** One checked sort key. @internal */
export interface SortKey {
  /** Dotted property path, e.g. `user.email`. */
  path: string;
  /** To-one relations walked from the root, in order. */
  relations: RelationMetadata[];
  column: ColumnMetadata;
  direction: "ASC" | "DESC";
  nulls: "FIRST" | "LAST";
}

export const MAX_SORT_KEYS = 8;

/**
 * Checks a {@link Sort} against the entity and returns its keys, with the primary key appended as a
 * tie-breaker unless it is already there. Throws `InvalidQueryError` for anything unknown. @internal
 */
export function parseSort(metadata: EntityMetadata, sort: unknown, options: { appendPrimaryKey?: boolean } = {}): SortKey[] {
  const keys: SortKey[] = [];
  if (typeof sort === "string") {
    if (sort.length > 1000) throw new InvalidQueryError("sort is longer than 1000 characters", "sort");
    for (const raw of sort.split(",")) {
      const token = raw.trim();
      if (!token) throw new InvalidQueryError(`sort ${printable(sort)} has an empty key`, "sort");
      const descending = token.startsWith("-");
      const path = token.replace(/^[-+]/, "");
      keys.push(resolveKey(metadata, path.split("."), descending ? "DESC" : "ASC", undefined));
    }
  } else if (isPlainObject(sort)) {
    collectObject(metadata, sort, [], keys);
  } else if (sort !== undefined && sort !== null) {
    throw new InvalidQueryError(`orderBy must be a string or an object, got ${describe(sort)}`, "orderBy");
  }
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.path)) throw new InvalidQueryError(`sort names ${printable(key.path)} twice`, key.path);
    seen.add(key.path);
  }
  if (keys.length > MAX_SORT_KEYS) throw new InvalidQueryError(`sort has ${keys.length} keys; at most ${MAX_SORT_KEYS} are allowed`, "sort");
  if (options.appendPrimaryKey !== false) {
    for (const pk of metadata.primaryColumns) {
      if (!seen.has(pk.propertyName)) keys.push({ path: pk.propertyName, relations: [], column: pk, direction: "ASC", nulls: "LAST" });
    }
  }
  return keys;
}

function collectObject(metadata: EntityMetadata, sort: Record<string, unknown>, prefix: string[], keys: SortKey[]): void {
  // a sort key goes through at most 5 relations (resolveKey); refuse deeper nesting before recursing
  if (prefix.length > 5) throw new InvalidQueryError(`sort key ${printable(prefix.join("."))} goes through too many relations`, prefix.join("."));
  for (const name of Object.keys(sort)) {
    const value = sort[name];
    if (value === undefined) continue;
    const path = [...prefix, name];
    if (typeof value === "string") {
      keys.push(resolveKey(metadata, path, direction(value, path), undefined));
    } else if (isPlainObject(value) && ("direction" in value || "nulls" in value) && Object.keys(value).every((k) => k === "direction" || k === "nulls")) {
      const nulls = value.nulls;
      if (nulls !== undefined && nulls !== "first" && nulls !== "last") {
        throw new InvalidQueryError(`${path.join(".")}.nulls must be "first" or "last", got ${describe(nulls)}`, path.join("."), ["first", "last"]);
      }
      keys.push(resolveKey(metadata, path, value.direction === undefined ? "ASC" : direction(value.direction, path), nulls === undefined ? undefined : nulls === "first" ? "FIRST" : "LAST"));
    } else if (isPlainObject(value)) {
      if (keys.length > MAX_SORT_KEYS * 4) throw new InvalidQueryError("sort has too many keys", "sort");
      collectObject(metadata, value, path, keys);
    } else {
      throw new InvalidQueryError(`sort value of ${printable(path.join("."))} must be "ASC", "DESC" or { direction, nulls }, got ${describe(value)}`, path.join("."), ["ASC", "DESC"]);
    }
  }
}

function direction(value: unknown, path: string[]): "ASC" | "DESC" {
  if (typeof value === "string") {
    const upper = value.toUpperCase();
    if (upper === "ASC" || upper === "DESC") return upper;
  }
  throw new InvalidQueryError(`sort direction of ${printable(path.join("."))} must be "ASC" or "DESC", got ${describe(value)}`, path.join("."), ["ASC", "DESC"]);
}

/** Walks a dotted path through to-one relations to a sortable column. */
function resolveKey(root: EntityMetadata, path: string[], dir: "ASC" | "DESC", nulls: "FIRST" | "LAST" | undefined): SortKey {
  const dotted = path.join(".");
  if (path.length > 5) throw new InvalidQueryError(`sort key ${printable(dotted)} goes through too many relations`, dotted);
  let metadata = root;
  const relations: RelationMetadata[] = [];
  let rest = path;
  for (let i = 0; i < path.length - 1; i++) {
    const fields = entityFields(metadata);
    rest = path.slice(i);
    if (fields.columns.has(rest.join("."))) break; // an embedded column (`counters.likes`)
    const relation = fields.relations.get(path[i]!);
    if (!relation) throw unknownKey(metadata, path[i]!, "sort relation", [...fields.relations.keys()].filter((r) => !isToMany(fields.relations.get(r)!)));
    if (isToMany(relation)) throw new InvalidQueryError(`cannot sort by ${printable(dotted)}: ${relation.propertyName} is a to-many relation`, dotted);
    relations.push(relation);
    metadata = relatedMetadata(relation);
    rest = path.slice(i + 1);
  }
  const fields = entityFields(metadata);
  const name = rest.join(".");
  const column = fields.columns.get(name);
  if (!column || !isSortable(column)) throw unknownKey(metadata, name, "sort field", [...fields.columns].filter(([, c]) => isSortable(c)).map(([n]) => n));
  return { path: dotted, relations, column, direction: dir, nulls: nulls ?? (dir === "ASC" ? "LAST" : "FIRST") };
}

function isSortable(column: ColumnMetadata): boolean {
  const kind = columnKind(column);
  return kind !== "json" && kind !== "unsupported";
}

/**
 * The SQL expression of a sort key on `alias`: the column itself, or a scalar subquery walking the
 * to-one relations (which can never multiply the root rows). A soft-deleted related row counts as no
 * row (NULL), as it does for filters and loaded relations, unless `withDeleted`. @internal
 */
export function sortExpression(key: SortKey, alias: string, bindings: SqlBindings, withDeleted = false): string {
  return walk(key.relations, 0, alias, key.column, bindings, withDeleted);
}

function walk(relations: RelationMetadata[], index: number, alias: string, column: ColumnMetadata, bindings: SqlBindings, withDeleted: boolean): string {
  if (index === relations.length) return columnRef(alias, column);
  const relation = relations[index]!;
  const related = relatedMetadata(relation);
  const child = bindings.alias();
  const value = walk(relations, index + 1, child, column, bindings, withDeleted);
  const live = related.deleteDateColumn && !withDeleted ? ` AND ${columnRef(child, related.deleteDateColumn)} IS NULL` : "";
  return `(SELECT ${value} FROM ${tableRef(related)} ${quoteIdentifier(child)} WHERE ${relationCondition(relation, alias, child)}${live})`;
}

