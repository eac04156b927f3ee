import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { InvalidQueryError } from "../errors";
import { hasToMany, keysetCondition, quoteIdentifier, sortExpression, type CursorValues, type RelationNode } from "../query";
import type { ListPlan } from "./list-plan";
import { loadRelationTree } from "./relation-loader";
import type { RepositoryCore } from "./repository-core";

/** The root entities of a plan (plus, on request, each row's sort values as text for cursors). @internal */
export interface ListResult<T> {
  entities: T[];
  sortValues: CursorValues[];
  /** With `extraRow`: whether a row beyond `limit` exists (it is not returned). */
  hasMore: boolean;
}

/**
 * Runs a plan: one statement for the roots (filtered, ordered, limited; to-one relations joined when
 * the strategy is "join"), then the relations (one statement per level, or one joined statement for
 * to-many relations with "join"). `after` adds the keyset condition. @internal
 */
export async function runList<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: ListPlan, extra: { after?: CursorValues; extraRow?: boolean; sortValues?: boolean } = {}): Promise<ListResult<T>> {
  const metadata = core.metadata;
  const bindings = plan.bindings.fork();
  const qb = core.query("e");
  if (plan.withDeleted) qb.withDeleted();
  if (plan.filter.sql) qb.andWhere(plan.filter.sql);
  const expressions = plan.keys.map((key) => sortExpression(key, "e", bindings, plan.withDeleted));
  if (extra.after) qb.andWhere(keysetCondition(plan.keys, expressions, extra.after, bindings));
  plan.keys.forEach((key, i) => {
    qb.addOrderBy(expressions[i]!, key.direction, key.nulls === "FIRST" ? "NULLS FIRST" : "NULLS LAST");
    if (extra.sortValues) qb.addSelect(`CAST(${expressions[i]} AS text)`, `uwq_s${i}`);
  });
  const joinRoot = plan.strategy === "join" && !hasToMany(plan.relations);
  if (joinRoot) joinTree(qb, "e", plan.relations);
  if (plan.limit !== undefined) qb.limit(plan.limit + (extra.extraRow ? 1 : 0));
  if (plan.offset) qb.offset(plan.offset);
  if (plan.lock) qb.setLock(plan.lock, undefined, ["e"]);
  qb.setParameters(bindings.parameters);
  let entities: T[];
  let sortValues: CursorValues[] = [];
  if (extra.sortValues) {
    const { raw, entities: found } = await core.execute(() => qb.getRawAndEntities());
    if (raw.length !== found.length) throw new Error(`unitwork: ${metadata.name} rows and entities do not line up`);
    entities = found;
    sortValues = (raw as Record<string, unknown>[]).map((row) => plan.keys.map((_k, i) => (row[`uwq_s${i}`] ?? null) as string | null));
  } else {
    entities = await core.execute(() => qb.getMany());
  }
  let hasMore = false;
  if (extra.extraRow && plan.limit !== undefined && entities.length > plan.limit) {
    hasMore = true;
    entities = entities.slice(0, plan.limit);
    sortValues = sortValues.slice(0, plan.limit);
  }
  if (!joinRoot && plan.relations.length && entities.length) {
    if (plan.strategy === "query") await loadRelationTree(core, metadata, entities, plan.relations, plan.withDeleted);
    else await joinForRoots(core, plan, entities);
  }
  if (plan.relations.length) core.relationsLoaded(entities, plan.relations);
  return { entities, sortValues, hasMore };
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

function joinTree(qb: SelectQueryBuilder<ObjectLiteral>, alias: string, nodes: RelationNode[]): void {
  for (const node of nodes) {
    const child = `${alias}_${node.relation.propertyName}`;
    qb.leftJoinAndSelect(`${alias}.${node.relation.propertyName}`, child);
    joinTree(qb, child, node.children);
  }
}

/** `SELECT COUNT(DISTINCT root)` of a plan's filter; relations never join into it. @internal */
export async function countList<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: Pick<ListPlan, "filter" | "withDeleted">): Promise<number> {
  const qb = core.query("e");
  if (plan.withDeleted) qb.withDeleted();
  if (plan.filter.sql) qb.andWhere(plan.filter.sql, plan.filter.parameters);
  return core.execute(() => qb.getCount());
}
