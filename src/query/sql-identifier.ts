import type { EntityMetadata } from "typeorm";
import type { ColumnMetadata } from "./column-metadata";

/**
 * A double-quoted SQL identifier, a `"` inside it doubled: the one identifier quoting of unitwork.
 * @internal
 */
export function quoteIdentifier(identifier: string): string {
  return identifier.includes('"') ? `"${identifier.replace(/"/g, '""')}"` : `"${identifier}"`;
}

/** `"alias"."column"`. @internal */
export function columnRef(alias: string, column: ColumnMetadata): string {
  return `${quoteIdentifier(alias)}.${quoteIdentifier(column.databaseName)}`;
}

/** The schema-qualified, quoted table name of an entity. @internal */
export function tableRef(metadata: EntityMetadata): string {
  return metadata.schema ? `${quoteIdentifier(metadata.schema)}.${quoteIdentifier(metadata.tableName)}` : quoteIdentifier(metadata.tableName);
}
