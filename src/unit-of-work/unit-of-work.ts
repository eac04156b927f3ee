import type { DataSource } from "typeorm";
import { IllegalTransactionStateError } from "../errors";
import type { UnitworkLogger } from "../config";
import type { ContextStore } from "./execution-context";
import type { Frame, RepositoryResolver } from "./frame";
import { executeWithPropagation } from "./propagation";
import { parseConsistencyToken } from "./read-session";
import type { ReplicaOptions } from "./replica-options";
import { ReplicaRouter } from "./replica-router";
import { SessionWriteTracker } from "./session-write-tracker";
import { StatementGate } from "./statement-gate";
import { TransactionRunner } from "./transaction-runner";
import type { UnitOfWorkContext } from "./unit-of-work-context";
import { UnitOfWorkListeners, type UnitOfWorkListener } from "./unit-of-work-listener";
import { checkUnitOfWorkOptions, type UnitOfWorkOptions } from "./unit-of-work-options";
import { UnitRunner, type UnitRunnerDeps } from "./unit-runner";

/** `run(work)` without options: nothing to check. */
const NO_OPTIONS: UnitOfWorkOptions = Object.freeze({});

/** How `createUnitwork` sets a unit of work up. @internal */
export interface UnitOfWorkSettings {
  /** The context store of the unitwork instance (shared with its analyzer and repositories). */
  context: ContextStore;
  defaults?: UnitOfWorkOptions;
  logger: UnitworkLogger;
  /** Read routing to the DataSource's `replication.slaves` (refused when it has none). */
  replicas?: ReplicaOptions;
}

/**
 * Runs work atomically: every repository used in the call chain of `work` shares one transaction,
 * committed when `work` resolves and rolled back when it rejects. `uw.unitOfWork` is the instance.
 *
 * @example
 * const user = await uw.unitOfWork.run(async (ctx) => {
 *   const user = await ctx.repository(User).create({ email: "a@b.co" });
 *   await ctx.repository(Organization).create({ name: "Acme", ownerId: user.id });
 *   return user;
 * }, { isolation: "SERIALIZABLE", retry: { attempts: 3 } });
 */
export class UnitOfWork {
  readonly #deps: UnitRunnerDeps;
  readonly #units: UnitRunner;
  /** @internal routes reads to the replicas; `undefined` when the DataSource has none. */
  readonly replicas: ReplicaRouter | undefined;

  /**
   * @internal use `createUnitwork()`; `uw.unitOfWork` is the instance.
   * @param dataSource The TypeORM DataSource this unit of work runs transactions on.
   */
  constructor(readonly dataSource: DataSource, settings: UnitOfWorkSettings) {
    checkUnitOfWorkOptions(settings.defaults ?? {});
    this.replicas = ReplicaRouter.install(dataSource, settings.context, settings.replicas, settings.logger);
    this.#deps = {
      dataSource,
      context: settings.context,
      transactions: new TransactionRunner(dataSource, settings.context, settings.logger, this.replicas),
      listeners: new UnitOfWorkListeners(),
      logger: settings.logger,
      defaults: settings.defaults,
      resolver: () => {
        throw new IllegalTransactionStateError("ctx.repository() needs a RepositoryFactory; create the unit of work through createUnitwork()");
      },
    };
    this.#units = new UnitRunner(this.#deps);
    new StatementGate(settings.context).install(dataSource);
    if (this.replicas) new SessionWriteTracker(settings.context, this.replicas).install(dataSource);
  }

  /**
   * The active unit of work of this async call chain, or `undefined` outside any.
   *
   * @example
   * await uw.unitOfWork.run(async () => {
   *   uw.unitOfWork.current?.onCommit(() => console.log("committed"));
   * });
   */
  get current(): UnitOfWorkContext | undefined {
    return this.#deps.context.current.frame;
  }

  /**
   * How many outermost units of work are running now (begun and not yet committed or rolled back).
   *
   * @example
   * console.log(`${uw.unitOfWork.activeCount} units of work still running`);
   */
  get activeCount(): number {
    return this.#units.running;
  }

  /**
   * @internal runs `fn` in a read-your-writes session (`uw.session`): the current one, else a new one;
   * a consistency token's position is taken into it. Without replicas it only checks the token.
   */
  session<R>(fn: () => R, token?: string): R {
    const lsn = token === undefined ? undefined : parseConsistencyToken(token);
    return this.replicas ? this.replicas.session(fn, lsn) : fn();
  }

  /** @internal the consistency token of the current session (`uw.consistencyToken()`). */
  consistencyToken(): string | undefined {
    return this.replicas ? this.#deps.context.current.session?.token : undefined;
  }

  /** @internal the server a TypeORM query runner's connection belongs to: `primary`, or a replica's name. */
  serverOf(queryRunner: object): string {
    return this.replicas ? this.replicas.serverOf((queryRunner as { databaseConnection?: object }).databaseConnection) : "primary";
  }

  /** @internal how `ctx.repository(target)` is answered; the repository factory sets it. */
  setRepositoryResolver(resolver: RepositoryResolver): void {
    this.#deps.resolver = resolver;
  }

  /** @internal */
  addListener(listener: UnitOfWorkListener): () => void {
    return this.#deps.listeners.add(listener);
  }

  /** @internal cancels every running unit of work like a deadline (`UnitOfWorkAbortedError`): `uw.close({ timeoutMs })` giving up. */
  abortRunning(reason: unknown): void {
    this.#units.abortAll(reason);
  }

  /**
   * Resolves when no unit of work is running (used by graceful shutdown).
   *
   * @example
   * server.close();
   * await uw.unitOfWork.whenIdle();
   */
  whenIdle(): Promise<void> {
    return this.#units.whenIdle();
  }

  /**
   * Runs `work` in a unit of work: commits when it resolves, rolls back when it rejects (with the
   * application's own error unchanged, or the typed database error). See {@link UnitOfWorkOptions}
   * for propagation, isolation, deadlines and retry.
   *
   * @example
   * await uw.unitOfWork.run(async (ctx) => {
   *   const fn = await ctx.repository(FunctionEntity).getByIdOrFail(7, { lock: "pessimistic_write" });
   *   await ctx.repository(FunctionEntity).update(fn.id, { status: "building" });
   * }, { name: "deploy", timeoutMs: 5_000 });
   */
  async run<R>(work: (context: UnitOfWorkContext) => R | Promise<R>, options: UnitOfWorkOptions = NO_OPTIONS): Promise<R> {
    if (options !== NO_OPTIONS) checkUnitOfWorkOptions(options);
    const parent: Frame | undefined = this.#deps.context.current.frame;
    const propagation = options.propagation ?? this.#deps.defaults?.propagation ?? "required";
    return executeWithPropagation(propagation, parent, options, this.#units.strategies(work, options, parent));
  }
}
