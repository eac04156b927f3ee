import type { EntityMetadata } from "typeorm";
import { checkColumnValue } from "../query";
import type { ColumnMetadata } from "../query/column-metadata";

/** A primary key value: number, string, or uuid string. */
export type EntityId = string | number;

/**
 * Checks a primary key value against its column with the filters' own rule (`checkColumnValue`), so
 * every id method accepts the same values; returns the value as it is bound. @internal
 */
export function checkId(metadata: EntityMetadata, column: ColumnMetadata, id: unknown): unknown {
  return checkColumnValue(column, id, `${metadata.name}.${column.propertyName}`);
}
