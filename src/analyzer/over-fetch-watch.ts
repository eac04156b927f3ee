import type { DataSource, EntityMetadata } from "typeorm";
import type { UnitworkLogger } from "../config";
import type { ContextStore } from "../unit-of-work";
import type { Finding } from "./analysis-report";
import type { AnalysisScope } from "./analysis-scope";
import type { IgnoreRule } from "./analyzer-options";
import { matches } from "./build-findings";
import { findOverFetching } from "./over-fetch-rule";
import { markReachable, type TrappedRelation } from "./reachable-reads";
import type { LoadedRelation, RelationLoad, WatchedRelation } from "./relation-load";
import { RelationReadTraps } from "./relation-read-trap";
import { captureStack, type CapturedStack } from "./stack-frames";
import { watchTypeormFinds } from "./typeorm-find-watch";

/** What one outermost scope loaded, and the relation properties it watches. */
interface ScopeWatch {
  loads: RelationLoad[];
  trapped: Map<object, TrappedRelation[]>;
}

/**
 * Over-fetching (`analyzer: { overFetching: true }`, development only): the relations a read loaded
 * become accessors on the loaded entities for as long as the outermost open analysis scope (a request,
 * an outermost unit of work, an `analyzer.scope`) lasts; any read of one (a property access,
 * destructuring, `JSON.stringify`, a spread) marks its relation read. When that scope ends, the
 * relations nothing read, and that the scope's result does not carry out to its caller, are findings;
 * the entities get their plain properties back. Nothing is done while it is off. @internal
 */
export class OverFetchWatch {
  readonly #dataSource: DataSource;
  readonly #context: ContextStore;
  readonly #logger: UnitworkLogger;
  readonly #scopes = new WeakMap<AnalysisScope, ScopeWatch>();
  readonly #traps = new RelationReadTraps();
  #enabled = false;
  #unwatchFinds?: () => void;

  constructor(dataSource: DataSource, context: ContextStore, logger: UnitworkLogger) {
    this.#dataSource = dataSource;
    this.#context = context;
    this.#logger = logger;
  }

  /**
   * Turns the watch on or off (`enabled`, the resolved option) and says why when the `requested`
   * option is ignored (production). TypeORM's finds are wrapped only while it is on.
   */
  configure(requested: boolean | undefined, enabled: boolean): void {
    if (requested && !enabled) this.#logger.warn({}, "query analyzer: overFetching is ignored when NODE_ENV is production (it turns the relation properties of loaded entities into accessors while a scope lasts); over-fetching is a development check");
    this.#enabled = enabled;
    if (enabled) this.#unwatchFinds ??= watchTypeormFinds(this.#dataSource, this);
    else this.dispose();
  }

  /** Stops wrapping TypeORM's finds (the analyzer's `dispose`). */
  dispose(): void {
    this.#enabled = false;
    this.#unwatchFinds?.();
    this.#unwatchFinds = undefined;
  }

  /** Whether the relation properties of a read should be watched: the option is on (the read path checks only this). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Whether reads are watched now: the option is on and an analysis scope is open. */
  get watching(): boolean {
    return this.#enabled && outermostOpen(this.#context.current.analysis) !== undefined;
  }

  /**
   * Watches the relations `nodes` that a read of `metadata` just loaded on `entities` (the read's
   * call site is the caller's, taken here unless given).
   */
  track(metadata: EntityMetadata, entities: readonly unknown[], nodes: readonly WatchedRelation[], operation?: string, stack?: CapturedStack): void {
    if (!nodes.length || !entities.length || !this.#enabled) return;
    const owner = outermostOpen(this.#context.current.analysis);
    if (!owner) return;
    let watch = this.#scopes.get(owner);
    if (!watch) this.#scopes.set(owner, (watch = { loads: [], trapped: new Map() }));
    const parents = entities.filter(isObject);
    const relations = nodes.map((node) => trapLevel(this.#traps, watch, parents, node, ""));
    watch.loads.push({
      operation: operation ?? this.#context.current.operation?.label?.split(" ")[0] ?? "a read",
      entity: metadata.name,
      stack: stack ?? captureStack(),
      relations,
      statementsBefore: owner.records.length,
    });
  }

  /** Whether `scope` watches relations (it must then be finished with `end`). */
  watches(scope: AnalysisScope): boolean {
    return this.#scopes.has(scope);
  }

  /**
   * Ends the watch of `scope`: the over-fetching findings (none when the scope failed, `outcome`
   * absent) and every watched property made plain again.
   */
  end(scope: AnalysisScope, outcome: { result: unknown } | undefined, ignore: readonly IgnoreRule[]): Finding[] {
    const watch = this.#scopes.get(scope);
    if (!watch) return [];
    this.#scopes.delete(scope);
    try {
      if (!outcome || watch.loads.every((load) => load.relations.every(isRead))) return [];
      // What the scope hands back may still be read by its caller (an HTTP response is serialized after it).
      if (!markReachable(outcome.result, watch.trapped)) return [];
      return findOverFetching(watch.loads, scope.records).filter((f) => !ignore.some((rule) => matches(rule, f)));
    } finally {
      for (const trapped of watch.trapped.values()) for (const { trap } of trapped) trap.restore();
    }
  }
}

function trapLevel(traps: RelationReadTraps, watch: ScopeWatch, parents: readonly object[], node: WatchedRelation, prefix: string): LoadedRelation {
  const property = node.relation.propertyName;
  const loaded: LoadedRelation = { relation: node.relation, path: prefix + property, read: false, parents: 0, rows: 0, children: [] };
  const children = new Set<object>();
  for (const parent of parents) {
    const trap = traps.install(parent, property, loaded);
    if (!trap) continue;
    loaded.parents++;
    const trapped = watch.trapped.get(parent);
    if (trapped) trapped.push({ trap, mark: loaded });
    else watch.trapped.set(parent, [{ trap, mark: loaded }]);
    const value = trap.value;
    for (const child of Array.isArray(value) ? value : [value]) if (isObject(child)) children.add(child);
  }
  loaded.rows = children.size;
  if (node.children.length && children.size) {
    const next = [...children];
    loaded.children = node.children.map((child) => trapLevel(traps, watch, next, child, `${loaded.path}.`));
  }
  return loaded;
}

function isRead(relation: LoadedRelation): boolean {
  return relation.parents === 0 || (relation.read && relation.children.every(isRead));
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/** The outermost scope still open around `scope`: the one that reports (a request around its unit of work). */
function outermostOpen(scope: AnalysisScope | undefined): AnalysisScope | undefined {
  let found: AnalysisScope | undefined;
  for (let at = scope; at; at = at.parent) if (!at.ended) found = at;
  return found;
}
