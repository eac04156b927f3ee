import type { DataSource, EntityMetadata, ObjectLiteral } from "typeorm";

/**
 * Turns a raw row (`RETURNING *`, keyed by column names) into an entity instance, converting each value
 * as TypeORM would when loading (dates, numbers, transformers) and keeping to what TypeORM's own
 * loads give: no discriminator, no `select: false` column, no column of a child entity (single-table
 * inheritance), no relation key without a `@Column`; `@RelationId` properties of to-one relations
 * are set from their key. @internal
 */
export function hydrate<T extends ObjectLiteral>(dataSource: DataSource, metadata: EntityMetadata, row: Record<string, unknown>): T {
  const entity = metadata.create() as T;
  const children = metadata.childEntityMetadatas.map((child) => child.target);
  for (const column of metadata.columns) {
    if (!(column.databaseName in row) || (column.isVirtual && column.relationMetadata) || column.isDiscriminator || column.isSelect === false) continue;
    if (children.length && children.includes(column.target) && column.target !== metadata.target) continue;
    const value = dataSource.driver.prepareHydratedValue(row[column.databaseName], column);
    column.setEntityValue(entity, value);
  }
  for (const relationId of metadata.relationIds) {
    const relation = relationId.relation;
    const joinColumn = relation.joinColumns.length === 1 && (relation.isManyToOne || relation.isOneToOneOwner) ? relation.joinColumns[0]! : undefined;
    if (!joinColumn || !(joinColumn.databaseName in row)) continue;
    const value = row[joinColumn.databaseName];
    (entity as ObjectLiteral)[relationId.propertyName] = value === null ? null : dataSource.driver.prepareHydratedValue(value, joinColumn.referencedColumn ?? joinColumn);
  }
  return entity;
}
