import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { InvalidQueryError } from "../errors";
import {
  checkOffset,
  checkPageSize,
  compileFilter,
  hasToMany,
  keysetCondition,
  parseRelations,
  parseSort,
  quoteIdentifier,
  sortExpression,
  SqlScope,
  type CompiledFilter,
  type CursorValues,
  type RelationNode,
  type SortKey,
} from "../query";
import type { RelationStrategy } from "./find-options";
import { loadRelationTree } from "./relation-loader";
import type { RepositoryCore } from "./repository-core";

/**
 * Everything a listing needs, checked before any SQL is built. The filter is compiled here, once:
 * every statement of the call (the count, the page) reuses its SQL and parameters. @internal
 */
export interface ListPlan {
  filter: CompiledFilter;
  /** The scope the filter was compiled in; a statement forks it for its own parameters and aliases. */
  scope: SqlScope;
  keys: SortKey[];
  relations: RelationNode[];
  strategy: RelationStrategy;
  withDeleted: boolean;
  limit?: number;
  offset?: number;
  lock?: "pessimistic_read" | "pessimistic_write";
}

export interface ListInput {
  where?: unknown;
  orderBy?: unknown;
  relations?: unknown;
  relationStrategy?: unknown;
  withDeleted?: unknown;
  limit?: unknown;
  offset?: unknown;
}

/** The option names each listing method takes; anything else (a typo such as `wher`) is refused. @internal */
export const OPTION_KEYS = {
  findMany: ["where", "orderBy", "relations", "relationStrategy", "limit", "offset", "withDeleted"],
  findFirst: ["where", "orderBy", "relations", "relationStrategy", "offset", "withDeleted"],
  paginate: ["page", "pageSize", "where", "orderBy", "relations", "relationStrategy", "count", "withDeleted"],
  paginateByCursor: ["first", "after", "where", "orderBy", "relations", "relationStrategy", "withDeleted"],
  getById: ["relations", "lock", "withDeleted"],
} as const;

/**
 * Throws `InvalidQueryError` when `options` is no object or has a key the method does not know, so a
 * misspelt `where` can never silently select every row. @internal
 */
export function checkOptions(options: unknown, method: keyof typeof OPTION_KEYS): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidQueryError(`${method} takes an options object`, "options");
  }
  const allowed: readonly string[] = OPTION_KEYS[method];
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new InvalidQueryError(`unknown ${method} option ${JSON.stringify(key)}`, key, allowed);
    }
  }
}

/** Checks the listing options of a repository call (filter, sort, relations, limit, offset). @internal */
export function planList(core: RepositoryCore<ObjectLiteral>, input: ListInput): ListPlan {
  const metadata = core.metadata;
  const limits = core.settings;
  if (input.withDeleted !== undefined && typeof input.withDeleted !== "boolean") {
    throw new InvalidQueryError("withDeleted must be true or false", "withDeleted");
  }
  const withDeleted = input.withDeleted === true;
  const scope = new SqlScope();
  const filter = compileFilter(metadata, "e", input.where, { scope, withDeleted });
  const relations = parseRelations(metadata, input.relations);
  const strategy = input.relationStrategy ?? (hasToMany(relations) ? "query" : "join");
  if (strategy !== "join" && strategy !== "query") {
    throw new InvalidQueryError(`relationStrategy must be "join" or "query"`, "relationStrategy", ["join", "query"]);
  }
  return {
    filter,
    scope,
    keys: parseSort(metadata, input.orderBy),
    relations,
    strategy,
    withDeleted,
    limit: input.limit === undefined ? undefined : checkPageSize(input.limit, "limit", limits),
    offset: input.offset === undefined ? undefined : checkOffset(input.offset, "offset", limits),
  };
}

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
  const scope = plan.scope.fork();
  const qb = core.query("e");
  if (plan.withDeleted) qb.withDeleted();
  if (plan.filter.sql) qb.andWhere(plan.filter.sql);
  const expressions = plan.keys.map((key) => sortExpression(key, "e", scope, plan.withDeleted));
  if (extra.after) qb.andWhere(keysetCondition(plan.keys, expressions, extra.after, scope));
  plan.keys.forEach((key, i) => {
    qb.addOrderBy(expressions[i]!, key.direction, key.nulls === "FIRST" ? "NULLS FIRST" : "NULLS LAST");
    if (extra.sortValues) qb.addSelect(`CAST(${expressions[i]} AS text)`, `uwq_s${i}`);
  });
  const joinRoot = plan.strategy === "join" && !hasToMany(plan.relations);
  if (joinRoot) joinTree(qb, "e", plan.relations);
  if (plan.limit !== undefined) qb.limit(plan.limit + (extra.extraRow ? 1 : 0));
  if (plan.offset) qb.offset(plan.offset);
  if (plan.lock) qb.setLock(plan.lock, undefined, ["e"]);
  qb.setParameters(scope.parameters);
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
  return { entities, sortValues, hasMore };
}

/** `"join"` with to-many relations: one joined statement for exactly these roots. */
async function joinForRoots<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: ListPlan, roots: T[]): Promise<void> {
  const metadata = core.metadata;
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
