import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryRunner, SelectQueryBuilder } from "typeorm";
import { withOperationTag, type CapturedStack, type OperationTag } from "../analyzer";
import type { CursorKey, RelationNode } from "../query";
import { ConnectionLostError, IllegalTransactionStateError, InvalidQueryError, NoActiveUnitOfWorkError, toUnitworkError } from "../errors";
import type { Frame, UnitOfWork } from "../unit-of-work";
import type { BulkEngine, BulkPort, StatementText } from "./bulk-engine";
import type { ReadStatement, ReadStatements } from "./read-statements";
import { runStatement } from "./run-statement";
import type { RepositoryRuntime } from "./repository-runtime";
import type { EntityRepositorySettings, RepositorySettings } from "./repository-settings";

/**
 * The internals of one repository, kept apart from its public API (`AsyncBaseRepository` holds one
 * in a private field). It is the one place in `repository/` and `bulk/` that touches the lower
 * layers: the unit of work's current frame (and `ctx.repository`'s binding), nested units, call-site
 * tracing, operation tags and the translation of database errors. @internal
 */
export class RepositoryCore<T extends ObjectLiteral = ObjectLiteral> implements BulkPort {
  /** Has `ctx.repository(target)` of every unit of work build its repository with `build(target, frame)`. */
  static resolveContextRepositories(runtime: RepositoryRuntime, build: (target: unknown, frame: Frame) => unknown): void {
    runtime.unitOfWork.setRepositoryResolver(build);
  }

  readonly #runtime: RepositoryRuntime;
  /** Set for repositories bound to one unit of work (`ctx.repository`). */
  readonly #boundTo?: Frame;
  readonly #bulkEngine?: BulkEngine;
  readonly #entitySettings: EntityRepositorySettings;

  constructor(readonly target: EntityTarget<T>, runtime: RepositoryRuntime, boundTo?: Frame, bulkEngine?: BulkEngine, entitySettings: EntityRepositorySettings = {}) {
    this.#runtime = runtime;
    this.#boundTo = boundTo;
    this.#bulkEngine = bulkEngine;
    this.#entitySettings = entitySettings;
  }

  /** Whether a write runs class-validator rules: the call's `validate`, else the entity's, else the repositories'. */
  validates(callOption: unknown): boolean {
    if (callOption !== undefined && typeof callOption !== "boolean") throw new InvalidQueryError("validate must be true or false", "validate");
    return callOption ?? this.#entitySettings.validate ?? this.#runtime.settings.validate ?? true;
  }

  /** The unit of work of the unitwork instance this repository belongs to. */
  get unitOfWork(): UnitOfWork {
    return this.#runtime.unitOfWork;
  }

  get metadata(): EntityMetadata {
    return this.#runtime.dataSource.getMetadata(this.target);
  }

  get dataSource(): DataSource {
    return this.#runtime.dataSource;
  }

  get settings(): RepositorySettings {
    return this.#runtime.settings;
  }

  /** The active frame: the bound one while it lasts, else the call chain's. */
  frame(): Frame | undefined {
    if (this.#boundTo) {
      if (this.#boundTo.ended) {
        throw new IllegalTransactionStateError(`this ${this.metadata.name} repository belongs to unit of work ${this.#boundTo.id}, which has ended`);
      }
      return this.#boundTo;
    }
    return this.#runtime.context.current.frame;
  }

  /** The EntityManager to run on: the unit of work's, else the DataSource's (auto-commit). */
  manager(write: boolean): EntityManager {
    const frame = this.frame();
    if (write && this.#runtime.strict && !frame?.transaction) {
      throw new NoActiveUnitOfWorkError(`${this.metadata.name}: writes need a unit of work in strict mode; wrap the call in uw.unitOfWork.run()`);
    }
    return frame?.manager ?? this.#runtime.dataSource.manager;
  }

  /**
   * Runs a write whose own reads (a reload, the current links of a relation) must see it: outside a
   * unit of work's transaction, with read replicas, they are pinned to the primary. Otherwise just `fn()`.
   */
  writing<R>(fn: () => Promise<R>): Promise<R> {
    if (!this.#runtime.unitOfWork.replicas || this.frame()?.transaction) return fn();
    return this.#runtime.context.with({ primary: true }, fn);
  }

  /** A query builder on the entity, on the manager of the active unit of work. */
  query(alias: string): SelectQueryBuilder<T> {
    return this.manager(false).createQueryBuilder(this.target, alias);
  }

  /**
   * Every database call of a repository goes through here: it carries the caller's call site to the
   * analyzer and maps a failure to the typed error (keeping SQL, parameters and cause).
   */
  async execute<R>(call: () => Promise<R>): Promise<R> {
    const tracer = this.#runtime.callSites;
    try {
      return await (tracer ? tracer.trace(call) : call());
    } catch (error) {
      return this.#failed(error, () => this.execute(call));
    }
  }

  /**
   * A failed statement's typed error, thrown; except a SELECT outside a transaction that a dying
   * replica cut off (with replicas): that one runs again (`again`), on the primary.
   */
  #failed<R>(error: unknown, again: () => Promise<R>): Promise<R> {
    const failure = toUnitworkError(error);
    const cutOff =
      failure instanceof ConnectionLostError &&
      this.#runtime.unitOfWork.replicas !== undefined &&
      !this.#runtime.context.current.primary &&
      !this.frame()?.transaction &&
      /^\s*SELECT\b/i.test(failure.sql ?? "");
    if (!cutOff) throw failure;
    return this.#runtime.context.with({ primary: true }, again);
  }

  /**
   * Runs `call` as `execute` does, at one call site for every call given the same `site`: the first
   * captures it, the later ones carry it. A stream's batches (separate calls, one per FETCH) are then
   * one operation of one caller for the analyzer, not a loop.
   */
  executeAt<R>(site: { callSite?: CapturedStack }, call: () => Promise<R>): Promise<R> {
    const context = this.#runtime.context;
    if (site.callSite) return context.with({ callSite: site.callSite }, () => this.execute(call));
    return this.execute(() => {
      site.callSite = context.current.callSite;
      return call();
    });
  }

  /** The key keyset cursors are encrypted with (derived once per unitwork instance). */
  get cursorKey(): CursorKey {
    return this.#runtime.cursorKey;
  }

  /** The compiled read statements of this unitwork instance. */
  get reads(): ReadStatements {
    return this.#runtime.reads;
  }

  /**
   * Runs a compiled read statement with `values` (on the active unit of work's connection, else on a
   * pooled one of its own, released after) and hands its rows to `use` while the connection is held
   * (hydration creates entities with it and runs their `afterLoad` listeners on it).
   */
  async read<R>(statement: ReadStatement, values: unknown[], use: (rows: Record<string, unknown>[], queryRunner: QueryRunner) => R | Promise<R>): Promise<R> {
    // what `execute` does (call site, typed errors), in this one async function: a read is on the hot path
    const manager = this.manager(false);
    // outside a unit of work, where TypeORM's query builder would read (a replica, when reads are routed)
    const dataSource = this.#runtime.dataSource;
    const queryRunner = manager.queryRunner ?? dataSource.createQueryRunner(dataSource.defaultReplicationModeForReads());
    try {
      const tracer = this.#runtime.callSites;
      const name = this.#runtime.reads.nameFor(statement);
      if (!tracer) return await use(await runStatement(queryRunner, statement.text, values, name), queryRunner);
      // the call site covers the statement and what `use` runs (afterLoad listeners may query)
      return await tracer.trace(async () => use(await runStatement(queryRunner, statement.text, values, name), queryRunner));
    } catch (error) {
      return await this.#failed(error, () => this.read(statement, values, use));
    } finally {
      if (queryRunner !== manager.queryRunner) await queryRunner.release();
    }
  }

  /** Runs `fn` with every statement it issues tagged as unitwork's own work, for the analyzer. */
  tagged<R>(kind: OperationTag["kind"], label: string, fn: () => R): R {
    return withOperationTag(this.#runtime.context, { kind, label }, fn);
  }

  /** Tells the analyzer (`overFetching`) which relations a read loaded on `entities`; nothing when it is off. */
  relationsLoaded(entities: readonly ObjectLiteral[], nodes: readonly RelationNode[], operation?: string): void {
    const watch = this.#runtime.overFetch;
    if (watch?.enabled) watch.track(this.metadata, entities, nodes, operation);
  }

  /** Runs `work` in a savepoint of the active unit of work, or in a transaction of its own. */
  nested<R>(work: (manager: EntityManager) => Promise<R>): Promise<R> {
    return this.#runtime.unitOfWork.run((ctx) => work(ctx.manager), { propagation: "nested" });
  }

  /** The typed unitwork error for a failed statement; application errors pass through. */
  translateError(error: unknown, statement?: StatementText): unknown {
    return toUnitworkError(error, statement);
  }

  /** The engine behind the bulk methods. */
  bulk(): BulkEngine {
    if (!this.#bulkEngine) throw new IllegalTransactionStateError("bulk operations need a repository created by RepositoryFactory");
    return this.#bulkEngine;
  }
}
