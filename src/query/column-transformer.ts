import type { ColumnMetadata } from "./column-metadata";

/**
 * A filter value as the column stores it: through the column's transformer (`to`), as TypeORM
 * writes an entity's value, so `{ amount: 2.25 }` finds the row whose `amount` was saved as 2.25
 * whatever the transformer makes of it. Several transformers apply in order. @internal
 */
export function toColumnValue(column: ColumnMetadata, value: unknown): unknown {
  const transformer = column.transformer;
  if (!transformer) return value;
  return Array.isArray(transformer) ? transformer.reduce((v: unknown, t) => t.to(v) as unknown, value) : (transformer.to(value) as unknown);
}
