import type { EntityMetadata, RelationMetadata } from "typeorm";
import { InvalidQueryError } from "../errors";
import { quoteIdentifier } from "./sql-identifier";

/** Whether the relation can hold many rows (one-to-many, many-to-many). @internal */
export function isToMany(relation: RelationMetadata): boolean {
  return relation.isOneToMany || relation.isManyToMany;
}

/**
 * The SQL condition linking a row of the related table (`childAlias`) to its parent (`parentAlias`)
 * for a one-to-one, many-to-one or one-to-many relation. Many-to-many relations are refused. @internal
 */
export function relationCondition(relation: RelationMetadata, parentAlias: string, childAlias: string): string {
  const pairs = relationKeyPairs(relation);
  return pairs.map(([parent, child]) => `${quoteIdentifier(childAlias)}.${quoteIdentifier(child)} = ${quoteIdentifier(parentAlias)}.${quoteIdentifier(parent)}`).join(" AND ");
}

/** `[parentColumn, childColumn]` database-name pairs of a relation. @internal */
export function relationKeyPairs(relation: RelationMetadata): [string, string][] {
  if (relation.isManyToMany) {
    throw new InvalidQueryError(`${relation.entityMetadata.name}.${relation.propertyName} is a many-to-many relation, which queries do not support yet`, relation.propertyName);
  }
  if (relation.isOwning) {
    // many-to-one or owning one-to-one: the foreign key is on the parent
    return relation.joinColumns.map((c) => [c.databaseName, c.referencedColumn!.databaseName]);
  }
  const inverse = relation.inverseRelation;
  if (!inverse) throw new InvalidQueryError(`${relation.entityMetadata.name}.${relation.propertyName} has no inverse side to join on`, relation.propertyName);
  return inverse.joinColumns.map((c) => [c.referencedColumn!.databaseName, c.databaseName]);
}

/** The related entity's metadata. @internal */
export function relatedMetadata(relation: RelationMetadata): EntityMetadata {
  return relation.inverseEntityMetadata;
}
