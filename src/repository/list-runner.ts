import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { InvalidQueryError } from "../errors";
import { quoteIdentifier, type CursorValues } from "../query";
import type { ListPlan } from "./list-plan";
import type { ReadStatement } from "./read-statements";
import { aggregateStatement, countOf, entityStatement, joinTree, rootParts, rootQuery, rootShape, valuesOf } from "./list-statement";
import { loadRelationTree } from "./relation-loader";
import type { RepositoryCore } from "./repository-core";

/** The root entities of a plan (plus, on request, each row's sort values as text for cursors). @internal */
export interface ListResult<T> {
  entities: T[];
  sortValues: CursorValues[];
  /** With `extraRow`: whether a row beyond `limit` exists (it is not returned). */
  hasMore: boolean;
  /** The compiled root statement, when unitwork ran it itself. */
  statement?: ReadStatement;
}

/**
 * Runs a plan: one statement for the roots (filtered, ordered, limited; to-one relations joined when
 * the strategy is "join"), then the relations (one statement per level, or one joined statement for
 * to-many relations with "join"). `after` adds the keyset condition. @internal
 */
export async function runList<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: ListPlan, extra: { after?: CursorValues; extraRow?: boolean; sortValues?: boolean } = {}): Promise<ListResult<T>> {
  const metadata = core.metadata;
  const parts = rootParts(plan, extra);
  const bindings = parts.bindings;
  const shape = rootShape(plan, parts);
  let qb: SelectQueryBuilder<T> | undefined;
  let statement = core.reads.get(metadata, shape);
  if (!statement) statement = core.reads.add(metadata, shape, entityStatement((qb = rootQuery(core, plan, parts))));
  let entities: T[];
  let raw: Record<string, unknown>[] | undefined;
  if (statement.hydrator) {
    const hydrator = statement.hydrator;
    ({ raw, entities } = await core.read(statement, valuesOf(statement, bindings.parameters), async (rows, queryRunner) => ({ raw: rows, entities: (await hydrator.hydrate(rows, queryRunner)) as T[] })));
  } else {
    const query = qb ?? rootQuery(core, plan, parts);
    if (extra.sortValues) ({ raw, entities } = await core.execute(() => query.getRawAndEntities()));
    else entities = await core.execute(() => query.getMany());
  }
  let sortValues: CursorValues[] = [];
  if (extra.sortValues) {
    if (raw!.length !== entities.length) throw new Error(`unitwork: ${metadata.name} rows and entities do not line up`);
    sortValues = raw!.map((row) => plan.keys.map((_k, i) => (row[`uwq_s${i}`] ?? null) as string | null));
  }
  let hasMore = false;
  if (extra.extraRow && plan.limit !== undefined && entities.length > plan.limit) {
    hasMore = true;
    entities = entities.slice(0, plan.limit);
    sortValues = sortValues.slice(0, plan.limit);
  }
  if (!parts.joinRoot && plan.relations.length && entities.length) {
    if (plan.strategy === "query") await loadRelationTree(core, metadata, entities, plan.relations, plan.withDeleted);
    else await joinForRoots(core, plan, entities);
  }
  if (plan.relations.length) core.relationsLoaded(entities, plan.relations);
  return { entities, sortValues, hasMore, statement: statement.hydrator ? statement : undefined };
}

/** `"join"` with to-many relations: one joined statement for exactly these roots. */
async function joinForRoots<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: ListPlan, roots: T[]): Promise<void> {
  const metadata = core.metadata;
  if (metadata.primaryColumns.length !== 1) {
    throw new InvalidQueryError(`${metadata.name} has a composite primary key: load its to-many relations with relationStrategy "query"`, "relationStrategy", ["query"]);
  }
  const pk = metadata.primaryColumns[0]!;
  const qb = core.query("e");
  if (plan.withDeleted) qb.withDeleted();
  qb.where(`"e".${quoteIdentifier(pk.databaseName)} = ANY(:uwqRoots)`, { uwqRoots: roots.map((r) => pk.getEntityValue(r)) });
  joinTree(qb, "e", plan.relations);
  const joined = await core.execute(() => qb.getMany());
  const byId = new Map(joined.map((row) => [String(pk.getEntityValue(row)), row]));
  for (const root of roots) {
    const source = byId.get(String(pk.getEntityValue(root)));
    for (const node of plan.relations) {
      const value = source?.[node.relation.propertyName] as unknown;
      (root as ObjectLiteral)[node.relation.propertyName] = value ?? (node.relation.isOneToMany ? [] : null);
    }
  }
}

/** `SELECT COUNT(1)` of a plan's filter (TypeORM's `getCount`); relations never join into it. @internal */
export function countList<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: Pick<ListPlan, "filter" | "withDeleted">): Promise<number> {
  return aggregate(core, plan, "count");
}

/** Whether any row matches a plan's filter (TypeORM's `getExists`). @internal */
export function existsList<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: Pick<ListPlan, "filter" | "withDeleted">): Promise<boolean> {
  return aggregate(core, plan, "exists");
}

function aggregate<T extends ObjectLiteral, K extends "count" | "exists">(core: RepositoryCore<T>, plan: Pick<ListPlan, "filter" | "withDeleted">, kind: K): Promise<K extends "count" ? number : boolean>;
async function aggregate<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: Pick<ListPlan, "filter" | "withDeleted">, kind: "count" | "exists"): Promise<number | boolean> {
  const metadata = core.metadata;
  const shape = `${kind}\u0000${plan.withDeleted ? 1 : 0}\u0000${plan.filter.sql ?? ""}`;
  let qb: SelectQueryBuilder<T> | undefined;
  let statement = core.reads.get(metadata, shape);
  if (!statement) statement = core.reads.add(metadata, shape, aggregateStatement((qb = filtered(core, plan)), kind));
  if (statement.text) return core.read<number | boolean>(statement, valuesOf(statement, plan.filter.parameters), kind === "count" ? countOf : (rows) => rows.length > 0);
  const query = qb ?? filtered(core, plan);
  return core.execute<number | boolean>(() => (kind === "count" ? query.getCount() : query.getExists()));
}

function filtered<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: Pick<ListPlan, "filter" | "withDeleted">): SelectQueryBuilder<T> {
  const qb = core.query("e");
  if (plan.withDeleted) qb.withDeleted();
  if (plan.filter.sql) qb.andWhere(plan.filter.sql, plan.filter.parameters);
  return qb;
}
