import type { EntityManager, EntityMetadata, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { hasToMany, keysetCondition, relatedMetadata, sortExpression, type CursorValues, type RelationNode, type SqlBindings } from "../query";
import type { ListPlan } from "./list-plan";
import { compileRead, type ReadStatement } from "./read-statements";
import type { RepositoryCore } from "./repository-core";
import { RowHydrator } from "./row-hydrator";

/** The parts of a listing's root statement that are worked out per call, before its SQL is built. @internal */
export interface RootParts {
  /** Bindings forked from the plan's: the filter's parameters plus the keyset's. */
  bindings: SqlBindings;
  /** The SQL expression of each sort key. */
  expressions: string[];
  /** The keyset condition (`paginateByCursor` after a cursor). */
  after?: string;
  /** To-one relations are LEFT JOINed into the root statement. */
  joinRoot: boolean;
  /** The LIMIT (one more than the page with `extraRow`). */
  limit?: number;
  /** Each row's sort values are selected as text (`uwq_s0` …), for cursors. */
  sortValues: boolean;
}

/**
 * The root statement's parts for `plan`: `after` adds the keyset condition, `extraRow` asks for one
 * row beyond the limit, `sortValues` selects each row's sort values. @internal
 */
export function rootParts(plan: ListPlan, extra: { after?: CursorValues; extraRow?: boolean; sortValues?: boolean } = {}): RootParts {
  const bindings = plan.bindings.fork();
  const expressions = plan.keys.map((key) => sortExpression(key, "e", bindings, plan.withDeleted));
  return {
    bindings,
    expressions,
    after: extra.after ? keysetCondition(plan.keys, expressions, extra.after, bindings) : undefined,
    joinRoot: plan.strategy === "join" && !hasToMany(plan.relations),
    limit: plan.limit === undefined ? undefined : plan.limit + (extra.extraRow ? 1 : 0),
    sortValues: extra.sortValues === true,
  };
}

/**
 * The cache key of a root statement: everything its SQL text depends on (the filter's SQL names its
 * parameters, the sort expressions name their subquery aliases), nothing it does not. @internal
 */
export function rootShape(plan: ListPlan, parts: RootParts): string {
  const keys = plan.keys.map((k) => `${k.direction} ${k.nulls}`).join(",");
  const joins = parts.joinRoot ? relationShape(plan.relations) : "";
  return [
    "list", plan.withDeleted ? 1 : 0, plan.filter.sql ?? "", parts.after ?? "", parts.expressions.join("\u0001"), keys,
    parts.sortValues ? 1 : 0, joins, parts.limit ?? "", plan.offset || "", plan.lock ?? "",
  ].join("\u0000");
}

function relationShape(nodes: RelationNode[]): string {
  return nodes.map((n) => `${n.relation.propertyName}(${relationShape(n.children)})`).join(",");
}

/**
 * The TypeORM query builder of a root statement (built on a cache miss, when TypeORM runs it, or for
 * a stream's cursor), on `manager` (by default the active unit of work's). @internal
 */
export function rootQuery<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: ListPlan, parts: RootParts, manager: EntityManager = core.manager(false)): SelectQueryBuilder<T> {
  const qb = manager.createQueryBuilder(core.target, "e");
  if (plan.withDeleted) qb.withDeleted();
  if (plan.filter.sql) qb.andWhere(plan.filter.sql);
  if (parts.after) qb.andWhere(parts.after);
  plan.keys.forEach((key, i) => {
    qb.addOrderBy(parts.expressions[i]!, key.direction, key.nulls === "FIRST" ? "NULLS FIRST" : "NULLS LAST");
    if (parts.sortValues) qb.addSelect(`CAST(${parts.expressions[i]} AS text)`, `uwq_s${i}`);
  });
  if (parts.joinRoot) joinTree(qb, "e", plan.relations);
  if (parts.limit !== undefined) qb.limit(parts.limit);
  if (plan.offset) qb.offset(plan.offset);
  if (plan.lock) qb.setLock(plan.lock, undefined, ["e"]);
  qb.setParameters(parts.bindings.parameters);
  return qb;
}

/**
 * LEFT JOINs (with their columns selected) of a relation tree. A joined alias is its parent's plus the
 * relation's name (`e_author`), and longer where that would give one of its columns the result name of
 * another alias's column (`e_author` + `id` and `e` + `author_id` are both `e_author_id`, which
 * would fill `authorId` from the join). @internal
 */
export function joinTree(qb: SelectQueryBuilder<ObjectLiteral>, alias: string, nodes: RelationNode[], taken = resultNames(alias, qb.expressionMap.mainAlias!.metadata)): void {
  for (const node of nodes) {
    const related = relatedMetadata(node.relation);
    let child = `${alias}_${node.relation.propertyName}`;
    while (taken.has(child) || related.columns.some((c) => taken.has(`${child}_${c.databaseName}`))) child += "_";
    for (const name of resultNames(child, related)) taken.add(name);
    qb.leftJoinAndSelect(`${alias}.${node.relation.propertyName}`, child);
    joinTree(qb, child, node.children, taken);
  }
}

/** The alias and the result names of its columns (`e`, `e_id`, `e_author_id` …). */
function resultNames(alias: string, metadata: EntityMetadata): Set<string> {
  return new Set([alias, ...metadata.columns.map((c) => `${alias}_${c.databaseName}`)]);
}

/**
 * The read statement of an entity query: its SQL compiled once and, when unitwork can reproduce
 * TypeORM's hydration of it, a hydrator. Without one (or with TypeORM's query result cache on) the
 * statement keeps running through TypeORM. @internal
 */
export function entityStatement(qb: SelectQueryBuilder<ObjectLiteral>): ReadStatement {
  qb.expressionMap.queryEntity = true; // as getMany sets it before building the SQL
  const compiled = qb.connection.queryResultCache ? undefined : compileRead(qb);
  const hydrator = compiled && RowHydrator.of(qb);
  return hydrator ? { ...compiled, hydrator, uses: 0 } : { text: "", names: [], uses: 0 };
}

/**
 * The read statement of `qb.getCount()` or `qb.getExists()`: the statement TypeORM's
 * `executeCountQuery` (no order, no limit, `COUNT(1)` or its distinct count) or `executeExistsQuery`
 * (`SELECT 1 … WHERE EXISTS (…) LIMIT 1`) builds, compiled once. @internal
 */
export function aggregateStatement(qb: SelectQueryBuilder<ObjectLiteral>, kind: "count" | "exists"): ReadStatement {
  qb.expressionMap.queryEntity = false; // as getCount and getExists set it
  let aggregate: SelectQueryBuilder<ObjectLiteral>;
  if (kind === "count") {
    const expression = (qb as unknown as { computeCountExpression(): string }).computeCountExpression();
    aggregate = qb.clone().orderBy().groupBy().offset(undefined).limit(undefined).skip(undefined).take(undefined).select(expression, "cnt").setOption("disable-global-order");
  } else {
    aggregate = qb.connection.createQueryBuilder().fromDummy().select("1", "row_exists").whereExists(qb).limit(1);
  }
  const compiled = qb.connection.queryResultCache ? undefined : compileRead(aggregate);
  return compiled ? { ...compiled, uses: 0 } : { text: "", names: [], uses: 0 };
}

/** The number a count statement's rows hold, read as TypeORM's `getCount` reads it. @internal */
export function countOf(rows: Record<string, unknown>[]): number {
  const cnt = rows[0]?.cnt;
  return cnt ? parseInt(cnt as string) : 0;
}

/** The values of a statement's `$1 … $n`, from the parameters its SQL was built with. @internal */
export function valuesOf(statement: ReadStatement, parameters: Record<string, unknown>): unknown[] {
  return statement.names.map((name) => parameters[name]);
}
