import { EntityManager, type DataSource, type EntityMetadata } from "typeorm";
import type { WatchedRelation } from "./relation-load";
import { captureStack, type CapturedStack } from "./stack-frames";

/** What the wrappers report to (the analyzer's over-fetching watch). @internal */
export interface FindWatcher {
  /** Whether reads are watched now. */
  readonly watching: boolean;
  track(metadata: EntityMetadata, entities: readonly unknown[], nodes: readonly WatchedRelation[], operation: string, stack: CapturedStack): void;
}

/** EntityManager reads whose `relations` (and eager relations) the over-fetching watch follows. */
const FINDS = ["find", "findBy", "findAndCount", "findAndCountBy", "findOne", "findOneBy", "findOneOrFail", "findOneByOrFail"] as const;
const MAX_DEPTH = 5;

type Method = (this: EntityManager, ...args: unknown[]) => Promise<unknown>;

/**
 * Has the over-fetching watch follow TypeORM's own finds on ONE DataSource (`manager.find(Post, {
 * relations })`, `repository.findOneBy(…)`, eager relations): wrappers on the prototype of that
 * DataSource's traced EntityManagers (made by the call-site tracing; TypeORM's class is untouched),
 * installed only while the option is on. Returns the undo. @internal
 */
export function watchTypeormFinds(dataSource: DataSource, watch: FindWatcher): () => void {
  const prototype = Object.getPrototypeOf(dataSource.manager) as Record<string, unknown>;
  // Only the prototype the call-site tracing made for this DataSource, never TypeORM's own.
  if (prototype === (EntityManager.prototype as unknown) || !Object.prototype.hasOwnProperty.call(prototype, "find")) return () => undefined;
  const undo: (() => void)[] = [];
  for (const name of FINDS) {
    const original = prototype[name] as Method | undefined;
    if (typeof original !== "function") continue;
    const wrapper: Method = function (this: EntityManager) {
      const args = arguments as unknown as unknown[];
      if (!watch.watching) return original.apply(this, args);
      const stack = captureStack();
      return original.apply(this, args).then((result) => {
        const metadata = dataSource.hasMetadata(args[0] as never) ? dataSource.getMetadata(args[0] as never) : undefined;
        if (metadata) watch.track(metadata, loadedEntities(name, result), findTree(metadata, name.includes("By") ? undefined : args[1]), name, stack);
        return result;
      });
    };
    Object.defineProperty(prototype, name, { value: wrapper, writable: true, configurable: true });
    undo.push(() => {
      if (prototype[name] === wrapper) Object.defineProperty(prototype, name, { value: original, writable: true, configurable: true });
    });
  }
  return () => undo.forEach((step) => step());
}

function loadedEntities(method: string, result: unknown): unknown[] {
  if (method.startsWith("findAndCount")) return Array.isArray(result) && Array.isArray(result[0]) ? result[0] : [];
  if (Array.isArray(result)) return result;
  return result === null || result === undefined ? [] : [result];
}

/** The relations a find loads: its `relations` (object or dotted paths) and, unless `loadEagerRelations: false`, the eager ones. */
function findTree(metadata: EntityMetadata, options: unknown): WatchedRelation[] {
  const { relations, loadEagerRelations } = (typeof options === "object" && options !== null ? options : {}) as { relations?: unknown; loadEagerRelations?: unknown };
  return treeOf(metadata, requested(relations), loadEagerRelations !== false, [metadata]);
}

function requested(relations: unknown): Map<string, unknown> {
  const tree = new Map<string, unknown>();
  if (Array.isArray(relations)) {
    for (const path of relations) {
      if (typeof path !== "string") continue;
      const [head, ...rest] = path.split(".");
      const below = (tree.get(head!) as string[] | undefined) ?? [];
      if (rest.length) below.push(rest.join("."));
      tree.set(head!, below);
    }
  } else if (typeof relations === "object" && relations !== null) {
    for (const [key, value] of Object.entries(relations)) if (value) tree.set(key, value);
  }
  return tree;
}

function treeOf(metadata: EntityMetadata, names: Map<string, unknown>, eager: boolean, path: EntityMetadata[]): WatchedRelation[] {
  const nodes: WatchedRelation[] = [];
  if (path.length > MAX_DEPTH) return nodes;
  for (const relation of metadata.relations) {
    if (relation.isLazy) continue;
    const below = names.get(relation.propertyName);
    const isEager = eager && relation.isEager && !path.includes(relation.inverseEntityMetadata);
    if (below === undefined && !isEager) continue;
    const related = relation.inverseEntityMetadata;
    nodes.push({ relation, children: treeOf(related, requested(below), eager, [...path, related]) });
  }
  return nodes;
}
