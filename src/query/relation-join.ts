import type { EntityMetadata, RelationMetadata } from "typeorm";
import { InvalidQueryError } from "../errors";
import { quoteIdentifier, tableRef } from "./sql-identifier";

/** Whether the relation can hold many rows (one-to-many, many-to-many). @internal */
export function isToMany(relation: RelationMetadata): boolean {
  return relation.isOneToMany || relation.isManyToMany;
}

/**
 * The join table of a many-to-many relation, seen from `relation`'s side (the owning side's
 * `@JoinTable` serves both): `parent` pairs are `[junction column, parent column]`, `child` pairs
 * `[junction column, related column]`, by database name. @internal
 */
export interface JunctionLink {
  table: string;
  parent: [string, string][];
  child: [string, string][];
}

/** The join table of a many-to-many relation. @internal */
export function junctionLink(relation: RelationMetadata): JunctionLink {
  const owner = relation.isOwning ? relation : relation.inverseRelation;
  const junction = owner?.junctionEntityMetadata;
  if (!owner || !junction) throw new InvalidQueryError(`${relation.entityMetadata.name}.${relation.propertyName} has no join table to query through`, relation.propertyName);
  const pairs = (columns: RelationMetadata["joinColumns"]) => columns.map((c): [string, string] => [c.databaseName, c.referencedColumn!.databaseName]);
  const ownerSide = pairs(owner.joinColumns);
  const inverseSide = pairs(owner.inverseJoinColumns);
  return { table: tableRef(junction), parent: relation.isOwning ? ownerSide : inverseSide, child: relation.isOwning ? inverseSide : ownerSide };
}

/**
 * The SQL condition linking a row of the related table (`childAlias`) to its parent (`parentAlias`):
 * key equality for one-to-one, many-to-one and one-to-many relations, and for many-to-many an
 * `EXISTS` over the join table (aliased `<childAlias>_j`), so a filter through it means "some related
 * row matches" and never multiplies the parent. @internal
 */
export function relationCondition(relation: RelationMetadata, parentAlias: string, childAlias: string): string {
  if (relation.isManyToMany) {
    const link = junctionLink(relation);
    const j = quoteIdentifier(`${childAlias}_j`);
    const on = [
      ...link.parent.map(([junction, parent]) => `${j}.${quoteIdentifier(junction)} = ${quoteIdentifier(parentAlias)}.${quoteIdentifier(parent)}`),
      ...link.child.map(([junction, child]) => `${j}.${quoteIdentifier(junction)} = ${quoteIdentifier(childAlias)}.${quoteIdentifier(child)}`),
    ];
    return `EXISTS (SELECT 1 FROM ${link.table} ${j} WHERE ${on.join(" AND ")})`;
  }
  const pairs = relationKeyPairs(relation);
  return pairs.map(([parent, child]) => `${quoteIdentifier(childAlias)}.${quoteIdentifier(child)} = ${quoteIdentifier(parentAlias)}.${quoteIdentifier(parent)}`).join(" AND ");
}

/**
 * `[parentColumn, childColumn]` database-name pairs of a relation whose related rows hold or are
 * pointed to by a key; a many-to-many relation has none (see `junctionLink`). @internal
 */
export function relationKeyPairs(relation: RelationMetadata): [string, string][] {
  if (relation.isManyToMany) {
    throw new InvalidQueryError(`${relation.entityMetadata.name}.${relation.propertyName} is a many-to-many relation: it is linked through its join table`, relation.propertyName);
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
