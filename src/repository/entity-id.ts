import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { checkColumnValue, quoteIdentifier } from "../query";
import type { ColumnMetadata } from "../query/column-metadata";

/** A primary key value: number, string, or uuid string. */
export type EntityId = string | number;

/** The key of an entity with a composite primary key: every key property, e.g. `{ orderId: 7, productId: 3 }`. */
export type CompositeId = Readonly<Record<string, string | number>>;

/** What the id methods take: the key value, or an object of key properties for a composite key. */
export type EntityKey = EntityId | CompositeId;

/**
 * Checks a primary key value against its column with the filters' own rule (`checkColumnValue`), so
 * every id method accepts the same values; returns the value as it is bound. @internal
 */
export function checkId(metadata: EntityMetadata, column: ColumnMetadata, id: unknown): unknown {
  return checkColumnValue(column, id, `${metadata.name}.${column.propertyName}`);
}

/** A checked key: the filter that selects its row, and each key column with its bound value. @internal */
export interface CheckedKey {
  /** The id as given (for errors). */
  id: EntityKey;
  filter: Record<string, unknown>;
  columns: { column: ColumnMetadata; value: unknown }[];
}

/**
 * Checks an id against the entity's primary key: a value for a single-column key, an object with
 * exactly the key properties for a composite one. @internal
 */
export function checkKey(metadata: EntityMetadata, id: unknown): CheckedKey {
  const primaries = metadata.primaryColumns;
  if (primaries.length === 1) {
    const column = primaries[0]!;
    const value = checkId(metadata, column, id);
    return { id: id as EntityKey, filter: { [column.propertyName]: id }, columns: [{ column, value }] };
  }
  const names = primaries.map((c) => c.propertyName);
  if (!isKeyObject(metadata, id)) {
    throw new InvalidQueryError(`${metadata.name} has a composite primary key: give the id as { ${names.join(", ")} }`, "id", names);
  }
  const columns = primaries.map((column) => ({ column, value: checkId(metadata, column, (id as ObjectLiteral)[column.propertyName]) }));
  return { id: id as EntityKey, filter: Object.fromEntries(names.map((n) => [n, (id as ObjectLiteral)[n]])), columns };
}

/** Whether `value` is a composite id of the entity: a plain object with exactly its key properties. @internal */
export function isKeyObject(metadata: EntityMetadata, value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const names = metadata.primaryColumns.map((c) => c.propertyName);
  const keys = Object.keys(value).filter((k) => (value as ObjectLiteral)[k] !== undefined);
  return metadata.primaryColumns.length > 1 && keys.length === names.length && names.every((n) => keys.includes(n));
}

/** The id of a loaded entity (an object for a composite key). @internal */
export function keyOfEntity(metadata: EntityMetadata, entity: ObjectLiteral): EntityKey {
  const primaries = metadata.primaryColumns;
  if (primaries.length === 1) return primaries[0]!.getEntityValue(entity) as EntityId;
  return Object.fromEntries(primaries.map((c) => [c.propertyName, c.getEntityValue(entity) as string | number]));
}

/** `"k1" = :uwqKey0 AND "k2" = :uwqKey1` and its parameters, for a query builder. @internal */
export function keyCondition(key: CheckedKey, alias?: string): { sql: string; parameters: Record<string, unknown> } {
  const parameters: Record<string, unknown> = {};
  const sql = key.columns
    .map(({ column, value }, i) => {
      parameters[`uwqKey${i}`] = value;
      return `${alias ? `${quoteIdentifier(alias)}.` : ""}${quoteIdentifier(column.databaseName)} = :uwqKey${i}`;
    })
    .join(" AND ");
  return { sql, parameters };
}
