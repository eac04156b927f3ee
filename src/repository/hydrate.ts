import type { DataSource, EntityMetadata, ObjectLiteral } from "typeorm";

/**
 * Turns a raw row (`RETURNING *`, keyed by column names) into an entity instance, converting each value
 * as TypeORM would when loading (dates, numbers, transformers). @internal
 */
export function hydrate<T extends ObjectLiteral>(dataSource: DataSource, metadata: EntityMetadata, row: Record<string, unknown>): T {
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    // a relation's key with no @Column of its own is not a property: TypeORM's loads leave it out too
    if (!(column.databaseName in row) || (column.isVirtual && column.relationMetadata)) continue;
    const value = dataSource.driver.prepareHydratedValue(row[column.databaseName], column);
    column.setEntityValue(entity, value);
  }
  return entity;
}
