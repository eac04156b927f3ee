import type { DataSource } from "typeorm";
import {
  AfterCommitHookError,
  IllegalTransactionStateError,
  InvalidConfigError,
  TransactionAbortedError,
  TransactionRequiredError,
  UnitOfWorkTimeoutError,
  translateDatabaseError,
} from "../errors";
import type { UnitworkLogger } from "../config";
import { cancelBackendStatement } from "./cancel-statement";
import { ContextStorage } from "./context-storage";
import { Deadline } from "./deadline";
import { Frame, type RepositoryResolver } from "./frame";
import { HookSegment } from "./hook-segment";
import { backoffMs, isRetryable, sleep } from "./retry";
import { StatementGate } from "./statement-gate";
import { Transaction } from "./transaction";
import type { UnitOfWorkContext } from "./unit-of-work-context";
import { ISOLATION_LEVELS, PROPAGATIONS, type UnitOfWorkOptions } from "./unit-of-work-options";

/** Told when an outermost scope starts and ends (the analyzer uses it). */
export interface UnitOfWorkListener {
  scopeStarted?(context: UnitOfWorkContext): void;
  /** After COMMIT or ROLLBACK, before the hooks run. May throw to fail `run()`. */
  scopeEnded?(context: UnitOfWorkContext, error: unknown): void | Promise<void>;
}

export interface UnitOfWorkSettings {
  defaults?: UnitOfWorkOptions;
  logger: UnitworkLogger;
}

type Work<R> = (context: UnitOfWorkContext) => R | Promise<R>;

/** Marks errors raised by COMMIT itself: a unit of work is never retried after a commit was attempted. */
const commitAttempted = new WeakSet<object>();

/**
 * Runs work atomically: every repository used in the call chain of `work` shares one transaction,
 * committed when `work` resolves and rolled back when it rejects.
 *
 * @example
 * const user = await uw.unitOfWork.run(async (ctx) => {
 *   const user = await ctx.repository(User).create({ email: "a@b.co" });
 *   await ctx.repository(Organization).create({ name: "Acme", ownerId: user.id });
 *   return user;
 * }, { isolation: "SERIALIZABLE", retry: { attempts: 3 } });
 */
export class UnitOfWork {
  private readonly storage = new ContextStorage();
  private readonly listeners: UnitOfWorkListener[] = [];
  private resolver: RepositoryResolver = () => {
    throw new IllegalTransactionStateError("ctx.repository() needs a RepositoryFactory; create the unit of work through createUnitwork()");
  };
  private nextId = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly dataSource: DataSource, private readonly settings: UnitOfWorkSettings) {
    UnitOfWork.checkOptions(settings.defaults ?? {});
    new StatementGate(this.storage).install(dataSource);
  }

  /** @internal `InvalidConfigError` for an option no unit of work can run with (also for `defaults`). */
  static checkOptions(options: UnitOfWorkOptions): void {
    checkOptions(options);
  }

  /** The active context of this async call chain, or `undefined` outside any unit of work. */
  get current(): UnitOfWorkContext | undefined {
    return this.storage.current;
  }

  /** @internal the frame type behind `current`, for the repository layer. */
  get currentFrame(): Frame | undefined {
    return this.storage.current;
  }

  /** How many outermost units of work are running now. */
  get activeCount(): number {
    return this.running;
  }

  /** @internal */
  setRepositoryResolver(resolver: RepositoryResolver): void {
    this.resolver = resolver;
  }

  /** @internal */
  addListener(listener: UnitOfWorkListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }

  /** Resolves when no unit of work is running (used by graceful shutdown). */
  whenIdle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs `work` in a unit of work; see {@link UnitOfWorkOptions} for propagation, isolation, deadlines and retry. */
  async run<R>(work: Work<R>, options: UnitOfWorkOptions = {}): Promise<R> {
    checkOptions(options);
    const parent = this.storage.current;
    const active = parent?.transaction ? parent : undefined;
    const propagation = options.propagation ?? this.settings.defaults?.propagation ?? "required";
    switch (propagation) {
      case "required":
        return active ? this.join(active, work, options) : this.begin(work, options, parent);
      case "mandatory":
        if (!active) throw new TransactionRequiredError(`unit of work${label(options)} needs an active unit of work (propagation "mandatory")`);
        return this.join(active, work, options);
      case "supports":
        return active ? this.join(active, work, options) : this.withoutTransaction(work, options, parent);
      case "notSupported":
        return this.withoutTransaction(work, options, parent);
      case "never":
        if (active) throw new IllegalTransactionStateError(`unit of work${label(options)} must not run inside another (propagation "never")`);
        return this.withoutTransaction(work, options, parent);
      case "requiresNew":
        return this.begin(work, options, parent);
      case "nested":
        return active ? this.savepoint(active, work, options) : this.begin(work, options, parent);
    }
  }

  private frame(parent: Frame | undefined, transaction: Transaction | null, hooks: HookSegment, options: UnitOfWorkOptions, deadline: Deadline | undefined, manager = transaction?.queryRunner.manager ?? this.dataSource.manager): Frame {
    const depth = parent ? parent.depth + 1 : 0;
    return new Frame(`uow-${++this.nextId}`, options.name ?? parent?.name, depth, manager, transaction, hooks, deadline, parent, this.resolver);
  }

  private async join<R>(active: Frame, work: Work<R>, options: UnitOfWorkOptions): Promise<R> {
    const tx = active.transaction!;
    if (options.isolation && options.isolation !== (tx.isolation ?? "READ COMMITTED")) {
      throw new IllegalTransactionStateError(`cannot join a ${tx.isolation ?? "READ COMMITTED"} unit of work with isolation ${options.isolation}`);
    }
    if (options.readOnly === false && tx.readOnly) {
      throw new IllegalTransactionStateError("cannot join a read-only unit of work with readOnly: false");
    }
    const deadline = options.timeoutMs ? new Deadline(options.timeoutMs, active.deadline) : active.deadline;
    const frame = this.frame(active, tx, active.hooks, options, deadline);
    try {
      return await this.runWork(frame, work, deadline === active.deadline ? undefined : deadline);
    } catch (error) {
      throw this.failure(error, deadline);
    }
  }

  private async savepoint<R>(active: Frame, work: Work<R>, options: UnitOfWorkOptions): Promise<R> {
    const tx = active.transaction!;
    if (options.isolation && options.isolation !== (tx.isolation ?? "READ COMMITTED")) {
      throw new IllegalTransactionStateError(`a nested unit of work cannot change the isolation (${tx.isolation ?? "READ COMMITTED"} → ${options.isolation})`);
    }
    const deadline = options.timeoutMs ? new Deadline(options.timeoutMs, active.deadline) : active.deadline;
    const hooks = new HookSegment();
    const frame = this.frame(active, tx, hooks, options, deadline);
    const innermost = tx.savepoints.at(-1);
    if (innermost && !isWithin(active, innermost)) {
      throw new IllegalTransactionStateError("nested units of work inside one transaction must not run concurrently (await each one before starting the next)");
    }
    const name = `uw_sp_${this.nextId}`;
    // Claimed before the first await, so a sibling started in the same tick (or a work that returns
    // without awaiting this unit) sees it.
    tx.savepoints.push(frame);
    try {
      await this.control(() => tx.queryRunner.query(`SAVEPOINT ${name}`));
    } catch (error) {
      tx.savepoints.splice(tx.savepoints.indexOf(frame) >>> 0, 1);
      throw translateDatabaseError(error) ?? error;
    }
    let result: R;
    try {
      result = await this.runWork(frame, work, deadline);
    } catch (error) {
      const failure = this.failure(error, deadline);
      const depth = tx.savepoints.indexOf(frame) + 1;
      tx.savepoints.splice(depth - 1, 1);
      try {
        await this.control(() => tx.queryRunner.query(`ROLLBACK TO SAVEPOINT ${name}`));
        tx.rolledBackTo(depth);
      } catch (rollbackError) {
        this.settings.logger.error({ err: rollbackError, cause: failure, unitOfWork: frame.id }, "ROLLBACK TO SAVEPOINT failed");
        throw translateDatabaseError(rollbackError) ?? rollbackError;
      }
      await this.runRollbackHooks(hooks, failure, frame);
      throw failure;
    }
    tx.savepoints.splice(tx.savepoints.indexOf(frame) >>> 0, 1);
    try {
      await this.control(() => tx.queryRunner.query(`RELEASE SAVEPOINT ${name}`));
    } catch (error) {
      throw translateDatabaseError(error) ?? error;
    }
    hooks.mergeInto(active.hooks);
    return result;
  }

  private async withoutTransaction<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined): Promise<R> {
    const deadline = options.timeoutMs ? new Deadline(options.timeoutMs, parent?.deadline) : parent?.deadline;
    const hooks = new HookSegment();
    const frame = this.frame(parent, null, hooks, options, deadline, this.dataSource.manager);
    let result: R;
    try {
      result = await this.runWork(frame, work, deadline);
    } catch (error) {
      const failure = this.failure(error, deadline);
      await this.runRollbackHooks(hooks, failure, frame);
      throw failure;
    }
    await this.runCommitHooks(hooks);
    return result;
  }

  private async begin<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined): Promise<R> {
    const merged = { ...this.settings.defaults, ...options };
    const attempts = merged.retry?.attempts ?? 1;
    const deadline = merged.timeoutMs ? new Deadline(merged.timeoutMs, parent?.deadline) : parent?.deadline;
    this.running++;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.attempt(work, merged, parent, deadline);
        } catch (error) {
          const retry = merged.retry && attempt < attempts && isRetryable(error, commitAttempted.has(error as object));
          if (!retry || deadline?.expired) throw error;
          this.settings.logger.debug({ err: error, attempt, name: merged.name }, "unit of work retried after a serialization failure or deadlock");
          await sleep(backoffMs(merged.retry!, attempt));
        }
      }
    } finally {
      if (--this.running === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  private async attempt<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined, deadline: Deadline | undefined): Promise<R> {
    const queryRunner = this.dataSource.createQueryRunner();
    const tx = new Transaction(queryRunner, options.isolation, options.readOnly ?? false, deadline);
    const hooks = new HookSegment();
    const frame = this.frame(parent, tx, hooks, options, deadline);
    const outermost = frame.depth === 0;
    let result: R;
    const connecting = this.storage.exit(() => queryRunner.connect());
    try {
      await (deadline ? deadline.race(connecting) : connecting);
    } catch (error) {
      // The deadline passed while waiting for the pool: hand the connection back once it arrives.
      connecting.then(() => this.release(tx), () => undefined).catch((e: unknown) => this.settings.logger.error({ err: e }, "releasing a late connection failed"));
      throw this.failure(error, deadline);
    }
    try {
      await this.control(
        options.readOnly
          ? async () => {
              await queryRunner.startTransaction(options.isolation);
              await queryRunner.query("SET TRANSACTION READ ONLY");
            }
          : () => queryRunner.startTransaction(options.isolation),
      );
    } catch (error) {
      await this.release(tx);
      throw this.failure(error, deadline);
    }
    if (outermost) this.listeners.forEach((l) => l.scopeStarted?.(frame));
    try {
      result = await this.runWork(frame, work, deadline);
      if (tx.savepoints.length) {
        throw new IllegalTransactionStateError("the work returned while a nested unit of work was still running (a missing await?); the transaction was rolled back");
      }
      if (tx.failed) {
        throw new TransactionAbortedError("a statement failed inside the unit of work and the work went on; the transaction was rolled back", { cause: translateDatabaseError(tx.lastError) ?? tx.lastError });
      }
    } catch (error) {
      const failure = this.failure(error, deadline);
      frame.closed = true;
      await this.rollback(tx, frame, failure);
      if (outermost) await this.notifyEnd(frame, failure, 0);
      await this.runRollbackHooks(hooks, failure, frame);
      throw failure;
    }
    frame.closed = true;
    try {
      await this.control(() => queryRunner.commitTransaction());
    } catch (error) {
      const failure = translateDatabaseError(error) ?? error;
      if (typeof failure === "object" && failure !== null) commitAttempted.add(failure);
      await this.rollback(tx, frame, failure);
      if (outermost) await this.notifyEnd(frame, failure, 0);
      await this.runRollbackHooks(hooks, failure, frame);
      throw failure;
    }
    await this.release(tx);
    if (outermost) await this.notifyEnd(frame, undefined, 0);
    if (hooks.commitHooks.length) await this.runCommitHooks(hooks);
    return result;
  }

  /** Runs the work in its frame; at the deadline cancels the statement in flight and rejects. */
  private async runWork<R>(frame: Frame, work: Work<R>, deadline: Deadline | undefined): Promise<R> {
    const running = this.storage.run(frame, () => Promise.resolve().then(() => work(frame)));
    if (!deadline) return running;
    try {
      return await deadline.race(running);
    } catch (error) {
      if (deadline.expired && frame.transaction) {
        frame.closed = true;
        await this.cancelInFlight(frame.transaction);
        running.catch((late) => this.settings.logger.debug({ err: late, unitOfWork: frame.id }, "work settled after its deadline"));
      }
      throw error;
    }
  }

  /**
   * Cancels the statement in flight; `release` waits for a cancel still on its way. Deadlines that
   * pass together share one cancel; a later one (an outer unit's, after it caught an inner unit's
   * timeout) sends its own.
   */
  private cancelInFlight(tx: Transaction): Promise<void> {
    const pid = tx.backendPid;
    if (pid === undefined) return Promise.resolve();
    if (!tx.cancelling) {
      const cancelling: Promise<void> = cancelBackendStatement(this.dataSource, pid)
        .catch((error: unknown) => {
          // The deadline error is what the caller gets; the failed cancel is worth a log line.
          this.settings.logger.warn({ err: error, pid }, "could not cancel the statement of a timed-out unit of work");
        })
        .finally(() => {
          if (tx.cancelling === cancelling) tx.cancelling = undefined;
        });
      tx.cancelling = cancelling;
    }
    return tx.cancelling;
  }

  private async rollback(tx: Transaction, frame: Frame, cause: unknown): Promise<void> {
    try {
      // A plain ROLLBACK ends the whole transaction whatever savepoints are open; the runner is discarded next.
      if (!tx.queryRunner.isReleased) await this.control(() => tx.queryRunner.query("ROLLBACK"));
    } catch (rollbackError) {
      // The connection is unusable: destroy it rather than return it to the pool.
      this.settings.logger.warn({ err: rollbackError, cause, unitOfWork: frame.id }, "ROLLBACK failed; the connection is discarded");
      await this.release(tx, rollbackError);
      return;
    }
    await this.release(tx);
  }

  private async release(tx: Transaction, brokenBy?: unknown): Promise<void> {
    const runner = tx.queryRunner as unknown as { releasePostgresConnection?: (err?: unknown) => Promise<void> };
    if (tx.queryRunner.isReleased) return;
    // A cancel request still on its way must not reach the next user of this connection.
    if (tx.cancelling) await tx.cancelling;
    if (brokenBy && runner.releasePostgresConnection) await runner.releasePostgresConnection(brokenBy);
    else await tx.queryRunner.release();
  }

  /** The unit of work's own statements run outside any frame, so the gate never refuses them. */
  private control<R>(fn: () => Promise<R>): Promise<R> {
    return this.storage.exit(fn);
  }

  /** The error `run()` rejects with: the application's own, or the typed database error. */
  private failure(error: unknown, deadline: Deadline | undefined): unknown {
    if (error instanceof UnitOfWorkTimeoutError) return error;
    const translated = translateDatabaseError(error);
    if (translated && deadline?.expired) return deadline.error(error);
    return translated ?? error;
  }

  /** Tells the listeners in order, from `from`; waits only for those that return a promise. */
  private notifyEnd(frame: Frame, error: unknown, from: number): Promise<void> | void {
    for (let i = from; i < this.listeners.length; i++) {
      const pending = this.listeners[i]!.scopeEnded?.(frame, error);
      if (pending) return pending.then(() => this.notifyEnd(frame, error, i + 1));
    }
  }

  private async runCommitHooks(hooks: HookSegment): Promise<void> {
    const failures = await hooks.runCommitHooks();
    if (failures.length) throw new AfterCommitHookError(failures);
  }

  private async runRollbackHooks(hooks: HookSegment, cause: unknown, frame: Frame): Promise<void> {
    const failures = await hooks.runRollbackHooks(cause);
    for (const failure of failures) {
      this.settings.logger.error({ err: failure, cause, unitOfWork: frame.id }, "an onRollback hook failed");
    }
  }
}

function isWithin(frame: Frame, ancestor: Frame): boolean {
  for (let f: Frame | undefined = frame; f; f = f.parent) if (f === ancestor) return true;
  return false;
}

function label(options: UnitOfWorkOptions): string {
  return options.name ? ` "${options.name}"` : "";
}

function checkOptions(options: UnitOfWorkOptions): void {
  if (options.propagation !== undefined && !PROPAGATIONS.includes(options.propagation)) {
    throw new InvalidConfigError(`unknown propagation ${JSON.stringify(options.propagation)}; use one of ${PROPAGATIONS.join(", ")}`);
  }
  if (options.isolation !== undefined && !ISOLATION_LEVELS.includes(options.isolation)) {
    throw new InvalidConfigError(`unknown isolation ${JSON.stringify(options.isolation)}; use one of ${ISOLATION_LEVELS.join(", ")}`);
  }
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new InvalidConfigError(`timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
  }
  const retry = options.retry;
  if (retry !== undefined && !(Number.isInteger(retry.attempts) && retry.attempts >= 1)) {
    throw new InvalidConfigError(`retry.attempts must be an integer >= 1, got ${String(retry.attempts)}`);
  }
}
