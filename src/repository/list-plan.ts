import { InvalidQueryError } from "../errors";
import type { EntityMetadata } from "typeorm";
import { checkOffset, checkPageSize, compileFilter, hasToMany, parseRelations, parseSort, relatedMetadata, SqlBindings, type CompiledFilter, type RelationNode, type SortKey } from "../query";
import type { RelationStrategy } from "./find-options";
import type { RepositoryCore } from "./repository-core";

/**
 * Everything a listing needs, checked before any SQL is built. The filter is compiled here, once:
 * every statement of the call (the count, the page) reuses its SQL and parameters. @internal
 */
export interface ListPlan {
  filter: CompiledFilter;
  /** The bindings the filter was compiled with; a statement forks them for its own parameters and aliases. */
  bindings: SqlBindings;
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

/** Checks the listing options of a repository call (filter, sort, relations, limit, offset). @internal */
export function planList(core: Pick<RepositoryCore, "metadata" | "settings">, input: ListInput): ListPlan {
  const metadata = core.metadata;
  const limits = core.settings;
  if (input.withDeleted !== undefined && typeof input.withDeleted !== "boolean") {
    throw new InvalidQueryError("withDeleted must be true or false", "withDeleted");
  }
  const withDeleted = input.withDeleted === true;
  const bindings = new SqlBindings();
  const filter = compileFilter(metadata, "e", input.where, { bindings, withDeleted });
  const relations = withEagerRelations(metadata, parseRelations(metadata, input.relations), 0);
  const strategy = input.relationStrategy ?? (hasToMany(relations) ? "query" : "join");
  if (strategy !== "join" && strategy !== "query") {
    throw new InvalidQueryError(`relationStrategy must be "join" or "query"`, "relationStrategy", ["join", "query"]);
  }
  return {
    filter,
    bindings,
    keys: parseSort(metadata, input.orderBy),
    relations,
    strategy,
    withDeleted,
    limit: input.limit === undefined ? undefined : checkPageSize(input.limit, "limit", limits),
    offset: input.offset === undefined ? undefined : checkOffset(input.offset, "offset", limits),
  };
}

/**
 * The relations to load plus the entity's eager relations, at every level, as TypeORM's `find`
 * loads them (`{ eager: true }`); an eager relation back to an entity already on the path stops there.
 * @internal
 */
export function withEagerRelations(metadata: EntityMetadata, nodes: RelationNode[], depth: number, path: EntityMetadata[] = [metadata]): RelationNode[] {
  const out = nodes.map((node) => {
    const related = relatedMetadata(node.relation);
    return { relation: node.relation, children: withEagerRelations(related, node.children, depth + 1, [...path, related]) };
  });
  for (const relation of metadata.eagerRelations) {
    const related = relatedMetadata(relation);
    if (out.some((n) => n.relation === relation) || path.includes(related) || depth >= 5) continue;
    out.push({ relation, children: withEagerRelations(related, [], depth + 1, [...path, related]) });
  }
  return out;
}
