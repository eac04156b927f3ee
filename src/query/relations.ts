import type { EntityMetadata, RelationMetadata } from "typeorm";
import { InvalidQueryError } from "../errors";
import { describe } from "./column-value";
import { entityFields, isPlainObject, unknownKey } from "./entity-fields";
import { isToMany, junctionLink, relatedMetadata, relationKeyPairs } from "./relation-join";

/** The entity type behind a relation property (the element type of a to-many one). */
export type Related<V> = NonNullable<V> extends readonly (infer E)[] ? NonNullable<E> : NonNullable<V>;

/**
 * Relations to load with the entities: `{ user: true, deployments: { function: true } }`, or dotted
 * paths `["user", "deployments.function"]`.
 */
export type Relations<T> =
  | { [K in keyof T]?: Related<T[K]> extends Date | string | number | boolean | bigint ? never : boolean | Relations<Related<T[K]>> }
  | readonly string[];

/** One checked relation to load, with the relations to load below it. @internal */
export interface RelationNode {
  relation: RelationMetadata;
  children: RelationNode[];
}

export const MAX_RELATION_DEPTH = 5;

/** Checks `relations` against the entity and returns the tree to load. @internal */
export function parseRelations(metadata: EntityMetadata, relations: unknown): RelationNode[] {
  if (relations === undefined || relations === null) return [];
  if (Array.isArray(relations)) {
    const tree: Record<string, unknown> = {};
    for (const path of relations) {
      if (typeof path !== "string" || !path) throw new InvalidQueryError(`relations must be relation names, got ${describe(path)}`, "relations");
      let node = tree;
      for (const part of path.split(".")) {
        const next = Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined;
        node = (isPlainObject(next) ? next : (node[part] = Object.create(null) as Record<string, unknown>)) as Record<string, unknown>;
      }
    }
    return parseObject(metadata, tree, "relations", 0);
  }
  return parseObject(metadata, relations, "relations", 0);
}

function parseObject(metadata: EntityMetadata, value: unknown, path: string, depth: number): RelationNode[] {
  if (!isPlainObject(value)) throw new InvalidQueryError(`${path} must be an object of relation names, got ${describe(value)}`, path);
  if (depth >= MAX_RELATION_DEPTH) throw new InvalidQueryError(`${path}: relations nested deeper than ${MAX_RELATION_DEPTH} levels`, path);
  const fields = entityFields(metadata);
  const nodes: RelationNode[] = [];
  for (const key of Object.keys(value)) {
    const spec = value[key];
    if (spec === undefined || spec === false) continue;
    const relation = fields.relations.get(key);
    if (!relation) throw unknownKey(metadata, key, "relation", [...fields.relations.keys()]);
    if (relation.isManyToMany) junctionLink(relation);
    else relationKeyPairs(relation); // a one-to-many or inverse one-to-one needs its inverse side
    const at = `${path}.${key}`;
    if (spec === true) nodes.push({ relation, children: [] });
    else if (isPlainObject(spec)) nodes.push({ relation, children: parseObject(relatedMetadata(relation), spec, at, depth + 1) });
    else throw new InvalidQueryError(`${at} must be true or an object of relation names, got ${describe(spec)}`, at);
  }
  return nodes;
}

/** Whether any relation in the tree is to-many. @internal */
export function hasToMany(nodes: RelationNode[]): boolean {
  return nodes.some((n) => isToMany(n.relation) || hasToMany(n.children));
}
