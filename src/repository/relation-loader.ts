import type { EntityMetadata, ObjectLiteral, RelationMetadata, SelectQueryBuilder } from "typeorm";
import { InvalidQueryError } from "../errors";
import { isToMany, junctionLink, quoteIdentifier, relatedMetadata, relationKeyPairs, type RelationNode } from "../query";
import type { ColumnMetadata } from "../query/column-metadata";
import { entityStatement, valuesOf } from "./list-statement";
import type { RepositoryCore } from "./repository-core";

/**
 * The part of a repository core the loader runs statements through; with `reads` and `read` (a
 * repository's own connection, not a stream's) each relation's statement is compiled once.
 */
type StatementRunner = Pick<RepositoryCore, "manager" | "execute"> & Partial<Pick<RepositoryCore, "reads" | "read">>;

/**
 * Fills the relations of `parents` with one statement per relation and level:
 * `SELECT … FROM child WHERE child.fk = ANY($1)` for all parents at once. @internal
 */
export async function loadRelationTree(core: StatementRunner, metadata: EntityMetadata, parents: ObjectLiteral[], nodes: RelationNode[], withDeleted: boolean): Promise<void> {
  if (!parents.length) return;
  for (const node of nodes) {
    const children = await loadRelation(core, metadata, parents, node, withDeleted);
    await loadRelationTree(core, relatedMetadata(node.relation), children, node.children, withDeleted);
  }
}

async function loadRelation(core: StatementRunner, metadata: EntityMetadata, parents: ObjectLiteral[], node: RelationNode, withDeleted: boolean): Promise<ObjectLiteral[]> {
  const relation = node.relation;
  if (relation.isManyToMany) return loadManyToMany(core, metadata, parents, relation, withDeleted);
  const pairs = relationKeyPairs(relation);
  if (pairs.length !== 1) throw new InvalidQueryError(`${metadata.name}.${relation.propertyName}: relations over composite keys cannot be loaded yet`, relation.propertyName);
  const [parentName, childName] = pairs[0]!;
  const parentColumn = metadata.columns.find((c) => c.databaseName === parentName)!;
  const related = relatedMetadata(relation);
  const keyOf = parentColumn.isVirtual ? await storedKeys(core, metadata, parents, parentColumn) : (parent: ObjectLiteral) => parentColumn.getEntityValue(parent) as unknown;
  const keys = new Map<string, unknown>();
  for (const parent of parents) {
    const value = keyOf(parent);
    if (value !== null && value !== undefined) keys.set(String(value), value);
  }
  const many = isToMany(relation);
  let children: ObjectLiteral[] = [];
  const byKey = new Map<string, ObjectLiteral[]>();
  if (keys.size) {
    const query = () => {
      const qb = core.manager(false).createQueryBuilder(related.target, "c");
      if (withDeleted) qb.withDeleted();
      qb.addSelect(`"c".${quoteIdentifier(childName)}`, "uwq_key")
        .where(`"c".${quoteIdentifier(childName)} = ANY(:uwqKeys)`, { uwqKeys: [...keys.values()] });
      for (const pk of related.primaryColumns) qb.addOrderBy(`"c".${quoteIdentifier(pk.databaseName)}`, "ASC");
      return qb;
    };
    // one statement per relation, whatever the keys: compiled once, then run without the query builder
    const shape = `children\u0000${childName}\u0000${withDeleted ? 1 : 0}`;
    let qb: SelectQueryBuilder<ObjectLiteral> | undefined;
    const reads = core.reads;
    const statement = reads && (reads.get(related, shape) ?? reads.add(related, shape, entityStatement((qb = query()))));
    const hydrator = statement?.hydrator;
    const { raw, entities } = statement && hydrator && core.read
      ? await core.read(statement, valuesOf(statement, { uwqKeys: [...keys.values()] }), async (rows, queryRunner) => ({ raw: rows, entities: await hydrator.hydrate(rows, queryRunner) }))
      : await core.execute(() => (qb ?? query()).getRawAndEntities());
    if (raw.length !== entities.length) throw new Error(`unitwork: ${related.name} rows and entities do not line up`);
    children = entities;
    entities.forEach((child, i) => {
      const key = String((raw[i] as Record<string, unknown>).uwq_key);
      const list = byKey.get(key);
      if (list) list.push(child);
      else byKey.set(key, [child]);
    });
  }
  for (const parent of parents) {
    const value = keyOf(parent);
    const found = value === null || value === undefined ? undefined : byKey.get(String(value));
    parent[relation.propertyName] = many ? found ?? [] : found?.[0] ?? null;
  }
  return children;
}

/**
 * The foreign key of a to-one relation declared without a `@Column` for it (`@ManyToOne() author`):
 * loaded entities do not carry it, so it is read from the parents' rows, by primary key, in one
 * statement.
 */
async function storedKeys(core: StatementRunner, metadata: EntityMetadata, parents: ObjectLiteral[], column: ColumnMetadata): Promise<(parent: ObjectLiteral) => unknown> {
  const primaries = metadata.primaryColumns;
  if (primaries.length !== 1) throw new InvalidQueryError(`${metadata.name}.${column.propertyName}: relations of entities with a composite key and no @Column for the foreign key cannot be loaded yet`, column.propertyName);
  const pk = primaries[0]!;
  const qb = core.manager(false).createQueryBuilder(metadata.target, "p").withDeleted()
    .select(`"p".${quoteIdentifier(pk.databaseName)}`, "uwq_pk")
    .addSelect(`"p".${quoteIdentifier(column.databaseName)}`, "uwq_fk")
    .where(`"p".${quoteIdentifier(pk.databaseName)} = ANY(:uwqParents)`, { uwqParents: parents.map((p) => pk.getEntityValue(p) as unknown) });
  const rows = (await core.execute(() => qb.getRawMany())) as { uwq_pk: unknown; uwq_fk: unknown }[];
  const byParent = new Map(rows.map((row) => [String(row.uwq_pk), row.uwq_fk]));
  return (parent) => byParent.get(String(pk.getEntityValue(parent)));
}

/**
 * A many-to-many relation: the join table's pairs for all parents in one statement, then the related
 * rows in one more; each parent gets its related entities in key order (one instance per related row,
 * shared by the parents it belongs to).
 */
async function loadManyToMany(core: StatementRunner, metadata: EntityMetadata, parents: ObjectLiteral[], relation: RelationMetadata, withDeleted: boolean): Promise<ObjectLiteral[]> {
  const link = junctionLink(relation);
  const related = relatedMetadata(relation);
  if (link.parent.length !== 1 || link.child.length !== 1) throw new InvalidQueryError(`${metadata.name}.${relation.propertyName}: many-to-many relations over composite keys cannot be loaded yet`, relation.propertyName);
  const [[junctionParent, parentName]] = link.parent as [[string, string]];
  const [[junctionChild, childName]] = link.child as [[string, string]];
  const parentColumn = metadata.columns.find((c) => c.databaseName === parentName)!;
  const childColumn = related.columns.find((c) => c.databaseName === childName)!;
  const parentKeys = [...new Set(parents.map((p) => parentColumn.getEntityValue(p) as unknown).filter((v) => v !== null && v !== undefined))];
  const childrenOf = new Map<string, string[]>();
  const byKey = new Map<string, ObjectLiteral>();
  let children: ObjectLiteral[] = [];
  if (parentKeys.length) {
    const manager = core.manager(false);
    const pairs = (await core.execute(() =>
      manager.query(`SELECT ${quoteIdentifier(junctionParent)}::text AS p, ${quoteIdentifier(junctionChild)} AS c FROM ${link.table} WHERE ${quoteIdentifier(junctionParent)} = ANY($1)`, [parentKeys]),
    )) as { p: string; c: unknown }[];
    const childKeys = [...new Map(pairs.map((pair) => [String(pair.c), pair.c])).values()];
    if (childKeys.length) {
      const qb = manager.createQueryBuilder(related.target, "c");
      if (withDeleted) qb.withDeleted();
      qb.where(`"c".${quoteIdentifier(childName)} = ANY(:uwqKeys)`, { uwqKeys: childKeys });
      for (const pk of related.primaryColumns) qb.addOrderBy(`"c".${quoteIdentifier(pk.databaseName)}`, "ASC");
      children = await core.execute(() => qb.getMany());
      for (const child of children) byKey.set(String(childColumn.getEntityValue(child)), child);
    }
    const order = new Map(children.map((child, i) => [child, i]));
    for (const pair of pairs) {
      const list = childrenOf.get(pair.p) ?? [];
      list.push(String(pair.c));
      childrenOf.set(pair.p, list);
    }
    for (const [key, list] of childrenOf) childrenOf.set(key, list.filter((c) => byKey.has(c)).sort((a, b) => order.get(byKey.get(a)!)! - order.get(byKey.get(b)!)!));
  }
  for (const parent of parents) {
    const value = parentColumn.getEntityValue(parent) as unknown;
    const keys = value === null || value === undefined ? [] : childrenOf.get(String(value)) ?? [];
    parent[relation.propertyName] = keys.map((k) => byKey.get(k)!);
  }
  return children;
}
