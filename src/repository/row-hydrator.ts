import type { Driver, EntityMetadata, ObjectLiteral, QueryRunner, RelationMetadata, SelectQueryBuilder } from "typeorm";
import type { ColumnMetadata } from "../query/column-metadata";
import type { BroadcasterResult, Collected } from "./run-statement";

/** One alias of a statement: the entity it loads, its columns' row keys, its joined to-one relations. */
interface AliasPlan {
  metadata: EntityMetadata;
  /** Row keys of the primary columns, which group the rows of one entity. */
  keys: string[];
  /** Row key, column, and whether a non-null value makes the entity exist (not a virtual property). */
  columns: [string, ColumnMetadata, boolean][];
  joins: { relation: RelationMetadata; plan: AliasPlan }[];
  /** Every primary column is a relation's (virtual): a joined relation alone makes the entity exist. */
  virtualKeys: boolean;
}

/**
 * Turns the rows of a statement built by a TypeORM query builder (the root alias and LEFT JOINed
 * to-one relations, every column selected) into entities exactly as TypeORM's
 * `RawSqlResultsToEntityTransformer` does: rows grouped by primary key, values through
 * `prepareHydratedValue` and `setEntityValue`, a joined relation with no row set to `null`; then the
 * `afterLoad` listeners and subscribers. What it cannot reproduce (single-table inheritance,
 * `@RelationId`, views, to-many joins, partial selections, hashed aliases) makes `of` return
 * `undefined`, and the statement keeps TypeORM's own path. Built once per statement shape. @internal
 */
export class RowHydrator {
  readonly #root: AliasPlan;
  readonly #driver: Driver;

  private constructor(root: AliasPlan, driver: Driver) {
    this.#root = root;
    this.#driver = driver;
  }

  /** The hydrator of the statement `qb` builds, or `undefined` when only TypeORM's transformer will do. */
  static of(qb: SelectQueryBuilder<ObjectLiteral>): RowHydrator | undefined {
    const map = qb.expressionMap;
    const driver = qb.connection.driver;
    const main = map.mainAlias;
    if (!main?.hasMetadata || map.options.includes("create-pojo") || !map.callListeners) return undefined;
    // relations TypeORM would load with more statements after the rows (find options with relationLoadStrategy "query")
    if ((qb as unknown as { relationMetadatas?: unknown[] }).relationMetadatas?.length) return undefined;
    const selected = new Set(map.selects.map((s) => s.selection));
    const plans = new Map<string, AliasPlan>();
    const root = aliasPlan(main.name, main.metadata, selected, driver);
    if (!root) return undefined;
    plans.set(main.name, root);
    for (const join of map.joinAttributes) {
      const relation = join.relation;
      const parent = join.parentAlias === undefined ? undefined : plans.get(join.parentAlias);
      if (!relation || !join.metadata || !join.isSelected || join.isMany || join.mapToProperty || !parent) return undefined;
      if (join.relationPropertyPath !== relation.propertyPath || !parent.metadata.relations.includes(relation)) return undefined;
      const plan = aliasPlan(join.alias.name, join.metadata, selected, driver);
      if (!plan) return undefined;
      plans.set(join.alias.name, plan);
      parent.joins.push({ relation, plan });
    }
    // two aliases' columns under one result name would read each other's values
    const names = [...plans.values()].flatMap((plan) => plan.columns.map(([key]) => key));
    if (new Set(names).size !== names.length) return undefined;
    return new RowHydrator(root, driver);
  }

  /**
   * The root entities of `rows`, in row order, after their `afterLoad` listeners and subscribers ran
   * (a promise only when one of them returned one).
   */
  hydrate(rows: Record<string, unknown>[], queryRunner: QueryRunner): ObjectLiteral[] | Promise<ObjectLiteral[]> {
    const entities = this.#transform(rows, this.#root, queryRunner);
    if (!rows.length) return entities;
    // as `broadcaster.broadcast("Load", …)`, without its extra turns when no listener returns a promise
    const collected: Collected = { count: 0, promises: [] };
    queryRunner.broadcaster.broadcastLoadEvent(collected as unknown as BroadcasterResult, this.#root.metadata, entities);
    return collected.promises.length ? Promise.all(collected.promises).then(() => entities) : entities;
  }

  #transform(rows: Record<string, unknown>[], plan: AliasPlan, queryRunner: QueryRunner): ObjectLiteral[] {
    const entities: ObjectLiteral[] = [];
    if (rows.length === 1) {
      const entity = this.#entity(rows, plan, queryRunner);
      if (entity !== undefined) entities.push(entity);
      return entities;
    }
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const row of rows) {
      const id = groupKey(row, plan.keys);
      const group = groups.get(id);
      if (group) group.push(row);
      else groups.set(id, [row]);
    }
    for (const group of groups.values()) {
      const entity = this.#entity(group, plan, queryRunner);
      if (entity !== undefined) entities.push(entity);
    }
    return entities;
  }

  #entity(rows: Record<string, unknown>[], plan: AliasPlan, queryRunner: QueryRunner): ObjectLiteral | undefined {
    const entity = plan.metadata.create(queryRunner, { fromDeserializer: true, pojo: false }) as ObjectLiteral;
    const row = rows[0]!;
    let hasColumns = false;
    for (const [key, column, counts] of plan.columns) {
      const value = row[key];
      if (value === undefined) continue;
      if (value !== null && counts) hasColumns = true;
      column.setEntityValue(entity, this.#driver.prepareHydratedValue(value, column));
    }
    for (const { relation, plan: joined } of plan.joins) {
      relation.setEntityValue(entity, this.#transform(rows, joined, queryRunner)[0] ?? null);
    }
    if (hasColumns) return entity;
    return plan.virtualKeys && plan.joins.length ? entity : undefined;
  }
}

function aliasPlan(alias: string, metadata: EntityMetadata, selected: ReadonlySet<string>, driver: Driver): AliasPlan | undefined {
  if (!selected.has(alias) || metadata.tableType === "view" || metadata.discriminatorColumn || metadata.relationIds.length) return undefined;
  if ((metadata as { relationCounts?: unknown[] }).relationCounts?.length) return undefined;
  const max = driver.maxAliasLength ?? Infinity;
  const key = (column: ColumnMetadata) => `${alias}_${column.databaseName}`;
  const columns: [string, ColumnMetadata, boolean][] = [];
  for (const column of metadata.columns) {
    if (column.isVirtual) continue; // `select: false` columns are not in the row, and skipped as undefined
    if (metadata.childEntityMetadatas.some((child) => child.target === column.target)) continue;
    if (key(column).length > max) return undefined;
    columns.push([key(column), column, !column.isVirtualProperty]);
  }
  const keys = metadata.primaryColumns.map(key);
  if (keys.some((k) => k.length > max)) return undefined;
  return { metadata, keys, columns, joins: [], virtualKeys: metadata.primaryColumns.every((c) => c.isVirtual) };
}

/** TypeORM's grouping id of a row: its primary key values joined with `_` (bytes as hex, objects as JSON). */
function groupKey(row: Record<string, unknown>, keys: string[]): string {
  if (keys.length === 1) return keyPart(row[keys[0]!]);
  return keys.map((k) => keyPart(row[k])).join("_");
}

function keyPart(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
