import type { DataSource } from "typeorm";
import { IllegalTransactionStateError } from "../errors";
import type { UnitworkLogger } from "../config";
import type { ContextStore } from "./execution-context";
import type { Frame, RepositoryResolver } from "./frame";
import { executeWithPropagation } from "./propagation";
import { StatementGate } from "./statement-gate";
import { TransactionRunner } from "./transaction-runner";
import type { UnitOfWorkContext } from "./unit-of-work-context";
import { UnitOfWorkListeners, type UnitOfWorkListener } from "./unit-of-work-listener";
import { checkUnitOfWorkOptions, type UnitOfWorkOptions } from "./unit-of-work-options";
import { UnitRunner, type UnitRunnerDeps } from "./unit-runner";

/** How `createUnitwork` sets a unit of work up. @internal */
export interface UnitOfWorkSettings {
  /** The context store of the unitwork instance (shared with its analyzer and repositories). */
  context: ContextStore;
  defaults?: UnitOfWorkOptions;
  logger: UnitworkLogger;
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

  /**
   * @internal use `createUnitwork()`; `uw.unitOfWork` is the instance.
   * @param dataSource The TypeORM DataSource this unit of work runs transactions on.
   */
  constructor(readonly dataSource: DataSource, settings: UnitOfWorkSettings) {
    checkUnitOfWorkOptions(settings.defaults ?? {});
    this.#deps = {
      dataSource,
      context: settings.context,
      transactions: new TransactionRunner(dataSource, settings.context, settings.logger),
      listeners: new UnitOfWorkListeners(),
      logger: settings.logger,
      defaults: settings.defaults,
      resolver: () => {
        throw new IllegalTransactionStateError("ctx.repository() needs a RepositoryFactory; create the unit of work through createUnitwork()");
      },
    };
    this.#units = new UnitRunner(this.#deps);
    new StatementGate(settings.context).install(dataSource);
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
  async run<R>(work: (context: UnitOfWorkContext) => R | Promise<R>, options: UnitOfWorkOptions = {}): Promise<R> {
    checkUnitOfWorkOptions(options);
    const parent: Frame | undefined = this.#deps.context.current.frame;
    const propagation = options.propagation ?? this.#deps.defaults?.propagation ?? "required";
    return executeWithPropagation(propagation, parent, options, this.#units.strategies(work, options, parent));
  }
}
