import type { DeepPartial, EntityMetadata, ObjectLiteral, RelationMetadata } from "typeorm";
import { ConcurrencyError, InvalidQueryError, NotFoundError, UnsupportedMappingError, ValidationError } from "../errors";
import { quoteIdentifier } from "../query";
import { columnValueCheck } from "./column-value-check";
import { checkKey, isKeyObject, keyCondition, keyOfEntity, type EntityKey } from "./entity-id";
import { assertValid } from "./entity-validator";
import { hydrate } from "./hydrate";
import type { RepositoryCore } from "./repository-core";
import { assertWritable } from "./writable-input";
import type { WriteOptions } from "./write-options";

/** `create`: validates and inserts one row; returns it as stored. @internal */
export async function insertRow<T extends ObjectLiteral>(core: RepositoryCore<T>, data: DeepPartial<T>, options: WriteOptions): Promise<T> {
  const metadata = core.metadata;
  assertWritable(metadata, data as ObjectLiteral, "create");
  if (core.validates(options.validate)) await assertValid(metadata, data as ObjectLiteral, "create");
  const entity = core.dataSource.manager.create(core.target, data);
  if (metadata.discriminatorColumn && metadata.discriminatorValue !== undefined) metadata.discriminatorColumn.setEntityValue(entity, metadata.discriminatorValue);
  const manager = core.manager(true);
  if (maintainedTree(metadata) || writesToMany(metadata, data as ObjectLiteral)) {
    // closure rows, paths and nested-set bounds are computed by TypeORM's save(), node by node; the
    // join-table rows of a many-to-many relation and the keys of one-to-many children are written by it too
    const saved = await core.execute(() => manager.save(core.target, entity));
    const where = Object.fromEntries(metadata.primaryColumns.map((c) => [c.propertyName, c.getEntityValue(saved)]));
    return core.execute(() => manager.findOneOrFail(core.target, { where: where as never }));
  }
  const result = await core.execute(() => manager.createQueryBuilder().insert().into(core.target).values(entity as never).returning("*").execute());
  return hydrate<T>(core.dataSource, metadata, (result.raw as Record<string, unknown>[])[0]!);
}

/**
 * `update`: one `UPDATE … RETURNING *` of a live row, at the version read when the entity has a
 * `@VersionColumn`; `exists` tells a stale version (`ConcurrencyError`) from a missing row. @internal
 */
export async function updateRow<T extends ObjectLiteral>(core: RepositoryCore<T>, idOrEntity: EntityKey | T, patch: DeepPartial<T>, exists: (id: EntityKey) => Promise<boolean>, options: WriteOptions): Promise<T> {
  const metadata = core.metadata;
  const isEntity = typeof idOrEntity === "object" && idOrEntity !== null && !isKeyObject(metadata, idOrEntity);
  const key = checkKey(metadata, isEntity ? keyOfEntity(metadata, idOrEntity as T) : idOrEntity);
  const id = key.id;
  assertWritable(metadata, patch as ObjectLiteral, "update");
  const versionColumn = metadata.versionColumn;
  const { [versionColumn?.propertyName ?? "\0"]: patchVersion, ...values } = patch as ObjectLiteral;
  const expectedVersion = patchVersion ?? (isEntity && versionColumn ? versionColumn.getEntityValue(idOrEntity as T) : undefined);
  const versionRefused = versionColumn && expectedVersion !== undefined ? columnValueCheck(versionColumn)(expectedVersion) : undefined;
  if (versionRefused) throw new ValidationError(metadata.name, [{ property: versionColumn!.propertyName, value: expectedVersion, constraints: { version: `${versionColumn!.propertyName} ${versionRefused}` } }]);
  if (core.validates(options.validate)) await assertValid(metadata, patch as ObjectLiteral, "update");
  const parent = maintainedTree(metadata) ? metadata.treeParentRelation : undefined;
  if (parent && (patch as ObjectLiteral)[parent.propertyName] !== undefined) {
    throw new UnsupportedMappingError(metadata.name, `tree (${metadata.treeType})`, `update cannot move a node to another parent; move it with TypeORM's save() or TreeRepository`);
  }
  const links = metadata.relations.filter((r) => (r.isManyToMany || r.isOneToMany) && values[r.propertyName] !== undefined);
  const oneToMany = links.find((r) => r.isOneToMany);
  if (oneToMany) {
    throw new UnsupportedMappingError(metadata.name, `one-to-many relation ${oneToMany.propertyName}`, `update sets ${metadata.name}'s own columns; set each child's relation in the child's repository`);
  }
  for (const relation of links) delete values[relation.propertyName];
  // nothing of the row's own changes (an empty patch, or only join-table rows): the row is still
  // touched, so the version, update date and existence checks hold as for any update
  if (!Object.keys(values).length) for (const pk of metadata.primaryColumns) values[pk.propertyName] = () => quoteIdentifier(pk.databaseName);
  const manager = core.manager(true);
  const condition = keyCondition(key);
  const qb = manager.createQueryBuilder().update(core.target).set(values as never).where(condition.sql, condition.parameters);
  if (metadata.deleteDateColumn) qb.andWhere(`${quoteIdentifier(metadata.deleteDateColumn.databaseName)} IS NULL`);
  if (versionColumn && expectedVersion !== undefined) {
    qb.andWhere(`${quoteIdentifier(versionColumn.databaseName)} = :expectedVersion`, { expectedVersion });
  }
  const result = await core.execute(() => qb.returning("*").execute()).catch((error: unknown) => {
    // TypeORM drops relation values it cannot write; what is left may set nothing
    if (error instanceof Error && error.name === "UpdateValuesMissingError") {
      throw new ValidationError(metadata.name, [{ property: "(patch)", value: patch, constraints: { empty: "the patch sets no column TypeORM can write" } }]);
    }
    throw error;
  });
  const rows = result.raw as Record<string, unknown>[];
  if (rows.length === 0) {
    if (versionColumn && expectedVersion !== undefined && (await exists(id))) throw new ConcurrencyError(metadata.name, [id]);
    throw new NotFoundError(metadata.name, id);
  }
  for (const relation of links) await replaceLinks(core, relation, key.filter, (patch as ObjectLiteral)[relation.propertyName]);
  return hydrate<T>(core.dataSource, metadata, rows[0]!);
}

/** Makes the join-table rows of a many-to-many relation of one row exactly `related` (entities or ids). */
async function replaceLinks<T extends ObjectLiteral>(core: RepositoryCore<T>, relation: RelationMetadata, id: Record<string, unknown>, related: unknown): Promise<void> {
  if (!Array.isArray(related)) throw new ValidationError(core.metadata.name, [{ property: relation.propertyName, value: related, constraints: { type: `${relation.propertyName} is a many-to-many relation: give an array` } }]);
  const builder = () => core.manager(true).createQueryBuilder().relation(core.target, relation.propertyName).of(id);
  const current = await core.execute(() => builder().loadMany());
  await core.execute(() => builder().addAndRemove(related, current));
}

/** Whether the input sets a to-many relation (join-table rows, or the children's foreign keys). */
function writesToMany(metadata: EntityMetadata, input: ObjectLiteral): boolean {
  return metadata.relations.some((r) => (r.isManyToMany || r.isOneToMany) && input[r.propertyName] !== undefined);
}

/** Whether TypeORM keeps structure for the tree (anything but a plain adjacency list). */
function maintainedTree(metadata: { treeType?: string }): boolean {
  return metadata.treeType !== undefined && metadata.treeType !== "adjacency-list";
}

/** `delete`: removes the row for good; whether there was one. @internal */
export async function deleteRow<T extends ObjectLiteral>(core: RepositoryCore<T>, id: EntityKey): Promise<boolean> {
  const key = checkKey(core.metadata, id);
  const manager = core.manager(true);
  const result = await core.execute(() => manager.delete(core.target, key.filter as never));
  return (result.affected ?? 0) > 0;
}

/** `softDelete` / `restore`: sets or clears the `@DeleteDateColumn` of a live / deleted row. @internal */
export async function markDeleted<T extends ObjectLiteral>(core: RepositoryCore<T>, id: EntityKey, action: "softDelete" | "restore"): Promise<boolean> {
  const metadata = core.metadata;
  const key = checkKey(metadata, id);
  const deleteDate = metadata.deleteDateColumn;
  if (!deleteDate) throw new InvalidQueryError(`${metadata.name} has no @DeleteDateColumn, so it cannot be ${action === "softDelete" ? "soft-deleted" : "restored"}`, action);
  const manager = core.manager(true);
  const qb = (action === "softDelete" ? manager.createQueryBuilder().softDelete() : manager.createQueryBuilder().restore())
    .from(core.target)
    .where(keyCondition(key).sql, keyCondition(key).parameters)
    .andWhere(`${quoteIdentifier(deleteDate.databaseName)} IS ${action === "softDelete" ? "NULL" : "NOT NULL"}`);
  const result = await core.execute(() => qb.execute());
  return (result.affected ?? 0) > 0;
}
