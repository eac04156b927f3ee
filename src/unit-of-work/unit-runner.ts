import type { DataSource } from "typeorm";
import { AfterCommitHookError, CommitOutcomeUnknownError, ConnectionLostError, IllegalTransactionStateError, TransactionAbortedError, UnitOfWorkAbortedError, UnitOfWorkTimeoutError, toUnitworkError, translateDatabaseError } from "../errors";
import type { UnitworkLogger } from "../config";
import { Deadline } from "./deadline";
import { ShutdownSignal } from "./shutdown-signal";
import { deriveContext, type ContextStore, type ExecutionContext } from "./execution-context";
import { Frame, type RepositoryResolver } from "./frame";
import { HookSegment } from "./hook-segment";
import type { PropagationStrategies } from "./propagation";
import { backoffMs, isRetryable, sleep } from "./retry";
import type { Transaction } from "./transaction";
import type { TransactionRunner } from "./transaction-runner";
import type { UnitOfWorkContext } from "./unit-of-work-context";
import type { UnitOfWorkListeners, UnitRun } from "./unit-of-work-listener";
import { mergeTransactionSettings, refuseSettingsWithoutTransaction } from "./transaction-settings";
import { checkJoinable, type UnitOfWorkOptions } from "./unit-of-work-options";

/** The work given to `run()`. @internal */
export type Work<R> = (context: UnitOfWorkContext) => R | Promise<R>;

/** What the unit runner shares with its `UnitOfWork`. @internal */
export interface UnitRunnerDeps {
  readonly dataSource: DataSource;
  readonly context: ContextStore;
  readonly transactions: TransactionRunner;
  readonly listeners: UnitOfWorkListeners;
  readonly logger: UnitworkLogger;
  readonly defaults: UnitOfWorkOptions | undefined;
  resolver: RepositoryResolver;
}

/**
 * Runs one piece of work under each propagation: the frames, savepoints, retries, deadlines and
 * hooks. The SQL goes through the `TransactionRunner`. @internal
 */
export class UnitRunner {
  readonly #deps: UnitRunnerDeps;
  /** Errors raised by COMMIT itself: a unit of work is never retried after a commit was attempted. */
  readonly #commitFailures = new WeakSet<object>();
  #nextId = 0;
  #running = 0;
  #idleWaiters: (() => void)[] = [];
  /** Aborted by `abortAll` (`uw.close({ timeoutMs })` giving up): ends every running unit like its deadline. */
  #shutdown = new ShutdownSignal();

  constructor(deps: UnitRunnerDeps) {
    this.#deps = deps;
  }

  /** How many outermost transactions are running now. */
  get running(): number {
    return this.#running;
  }

  /** Cancels every running unit of work like a deadline (`UnitOfWorkAbortedError`); later units are not affected. */
  abortAll(reason: unknown): void {
    const shutdown = this.#shutdown;
    this.#shutdown = new ShutdownSignal();
    shutdown.abort(reason);
  }

  whenIdle(): Promise<void> {
    return this.#running === 0 ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The propagation strategies for `work`, started from `parent` (the caller's frame). */
  strategies<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined): PropagationStrategies<R> {
    return {
      join: (active) => this.#join(active, work, options),
      nested: (active) => this.#nested(active, work, options),
      begin: () => this.#begin(work, options, parent),
      withoutTransaction: () => this.#withoutTransaction(work, options, parent),
    };
  }

  #frame(parent: Frame | undefined, transaction: Transaction | null, hooks: HookSegment, options: UnitOfWorkOptions, deadline: Deadline | undefined): Frame {
    const manager = transaction?.queryRunner.manager ?? this.#deps.dataSource.manager;
    const depth = parent ? parent.depth + 1 : 0;
    return new Frame(`uow-${++this.#nextId}`, options.name ?? parent?.name, depth, manager, transaction, hooks, deadline, parent, this.#deps.resolver);
  }

  async #join<R>(active: Frame, work: Work<R>, options: UnitOfWorkOptions): Promise<R> {
    checkJoinable(active.transaction!, options);
    const deadline = Deadline.derive(options.timeoutMs, active.deadline, options.signal);
    const frame = this.#frame(active, active.transaction, active.hooks, options, deadline);
    try {
      return await this.#runWork(frame, work, deadline === active.deadline ? undefined : deadline);
    } catch (error) {
      throw failure(error, deadline);
    }
  }

  async #nested<R>(active: Frame, work: Work<R>, options: UnitOfWorkOptions): Promise<R> {
    const tx = active.transaction!;
    checkJoinable(tx, options);
    const deadline = Deadline.derive(options.timeoutMs, active.deadline, options.signal);
    const hooks = new HookSegment();
    const frame = this.#frame(active, tx, hooks, options, deadline);
    const innermost = tx.savepoints.at(-1) as Frame | undefined;
    if (innermost && !isWithin(active, innermost)) {
      throw new IllegalTransactionStateError("nested units of work inside one transaction must not run concurrently (await each one before starting the next)");
    }
    const name = `uw_sp_${this.#nextId}`;
    // Claimed before the first await, so a sibling started in the same tick (or a work that returns
    // without awaiting this unit) sees it.
    tx.savepoints.push(frame);
    try {
      await this.#deps.transactions.savepoint(tx, name);
    } catch (error) {
      tx.savepoints.splice(tx.savepoints.indexOf(frame) >>> 0, 1);
      throw error;
    }
    let result: R;
    try {
      result = await this.#runWork(frame, work, deadline);
    } catch (error) {
      const cause = failure(error, deadline);
      const depth = tx.savepoints.indexOf(frame) + 1;
      tx.savepoints.splice(depth - 1, 1);
      try {
        await this.#deps.transactions.rollbackToSavepoint(tx, name, depth);
      } catch (rollbackError) {
        this.#deps.logger.error({ err: rollbackError, cause, unitOfWork: frame.id }, "ROLLBACK TO SAVEPOINT failed");
        throw rollbackError;
      }
      await this.#runRollbackHooks(hooks, cause, frame);
      throw cause;
    }
    tx.savepoints.splice(tx.savepoints.indexOf(frame) >>> 0, 1);
    await this.#deps.transactions.releaseSavepoint(tx, name);
    hooks.mergeInto(active.hooks);
    return result;
  }

  async #withoutTransaction<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined): Promise<R> {
    refuseSettingsWithoutTransaction(options.settings, options.propagation ?? this.#deps.defaults?.propagation ?? "required");
    const deadline = Deadline.derive(options.timeoutMs, parent?.deadline, options.signal);
    const hooks = new HookSegment();
    const frame = this.#frame(parent, null, hooks, options, deadline);
    let result: R;
    try {
      result = await this.#runWork(frame, work, deadline);
    } catch (error) {
      const cause = failure(error, deadline);
      await this.#runRollbackHooks(hooks, cause, frame);
      throw cause;
    }
    await runCommitHooks(hooks);
    return result;
  }

  async #begin<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined): Promise<R> {
    const merged = { ...this.#deps.defaults, ...options, settings: mergeTransactionSettings(this.#deps.defaults?.settings, options.settings) };
    const attempts = merged.retry?.attempts ?? 1;
    // Also ended by `abortAll` (a close that timed out), so every outermost unit has a deadline.
    const deadline = new Deadline(Infinity, Deadline.derive(merged.timeoutMs, parent?.deadline, merged.signal), undefined, this.#shutdown);
    const unit: UnitRun = { name: merged.name, propagation: merged.propagation ?? "required", isolation: merged.isolation, readOnly: merged.readOnly ?? false, attempts: 0 };
    this.#running++;
    try {
      return await this.#deps.listeners.around(unit, async () => {
        for (let attempt = 1; ; attempt++) {
          unit.attempts = attempt;
          try {
            return await this.#attempt(work, merged, parent, deadline);
          } catch (error) {
            const retry = merged.retry && attempt < attempts && isRetryable(error, this.#commitFailures.has(error as object), merged.retry);
            if (!retry || deadline.expired) throw error;
            this.#deps.logger.debug({ err: error, attempt, name: merged.name }, `unit of work retried after ${(error as Error).name}`);
            await sleep(backoffMs(merged.retry!, attempt));
          }
        }
      });
    } finally {
      if (--this.#running === 0) this.#idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  async #attempt<R>(work: Work<R>, options: UnitOfWorkOptions, parent: Frame | undefined, deadline: Deadline | undefined): Promise<R> {
    const { transactions, listeners } = this.#deps;
    let tx: Transaction;
    try {
      tx = await transactions.begin(options, deadline);
    } catch (error) {
      throw failure(error, deadline);
    }
    const hooks = new HookSegment();
    const frame = this.#frame(parent, tx, hooks, options, deadline);
    const outermost = frame.depth === 0;
    const added = outermost ? listeners.started(frame) : undefined;
    let result: R;
    try {
      result = await this.#runWork(frame, work, deadline, added);
      if (tx.savepoints.length) {
        throw new IllegalTransactionStateError("the work returned while a nested unit of work was still running (a missing await?); the transaction was rolled back");
      }
      if (tx.failed) {
        throw new TransactionAbortedError("a statement failed inside the unit of work and the work went on; the transaction was rolled back", { cause: toUnitworkError(tx.lastError) });
      }
      const checking = outermost ? listeners.beforeCommit(frame, result) : undefined;
      if (checking) await checking;
    } catch (error) {
      frame.closed = true;
      const cause = failure(error, deadline);
      await this.#rollback(tx, frame, cause, outermost);
      throw cause;
    }
    frame.closed = true;
    let commitSent = false;
    try {
      await transactions.commit(tx, () => (commitSent = true));
    } catch (error) {
      // A connection lost with COMMIT on its way leaves the outcome unknown: never reported as a
      // rollback, never retried.
      const failed = commitSent && error instanceof ConnectionLostError
        ? new CommitOutcomeUnknownError("the connection was lost after COMMIT was sent: the unit of work may or may not have committed", { cause: error })
        : error;
      if (commitSent && typeof failed === "object" && failed !== null) this.#commitFailures.add(failed);
      await this.#rollback(tx, frame, failed, outermost);
      throw failed;
    }
    await transactions.release(tx);
    if (outermost) await listeners.ended(frame, undefined, result);
    if (hooks.commitHooks.length) await runCommitHooks(hooks);
    return result;
  }

  /** Rolls the transaction back, tells the listeners and runs the rollback hooks. */
  async #rollback(tx: Transaction, frame: Frame, cause: unknown, outermost: boolean): Promise<void> {
    await this.#deps.transactions.rollback(tx, cause, frame.id);
    if (outermost) await this.#deps.listeners.ended(frame, cause);
    await this.#runRollbackHooks(frame.hooks, cause, frame);
  }

  /** Runs the work in its frame; at the deadline cancels the statement in flight and rejects. */
  async #runWork<R>(frame: Frame, work: Work<R>, deadline: Deadline | undefined, added?: ExecutionContext): Promise<R> {
    const { context } = this.#deps;
    // Started after an `await` in an async function, not from a `.then`: V8's async stack trace then
    // leads from the work's first statements back to the caller of run(), as it does from its later
    // ones (the analyzer's call paths of a loop's first iteration match the others').
    const running = context.run(deriveContext(context.current, added ?? {}, { frame }), async () => {
      await undefined;
      return work(frame);
    });
    // awaited here (not returned) so the chain of awaits back to run()'s caller exists before the work starts
    if (!deadline) return await running;
    try {
      return await deadline.race(running);
    } catch (error) {
      if (deadline.expired && frame.transaction) {
        frame.closed = true;
        await this.#deps.transactions.cancelInFlight(frame.transaction);
        running.catch((late) => this.#deps.logger.debug({ err: late, unitOfWork: frame.id }, "work settled after its deadline"));
      }
      throw error;
    }
  }

  async #runRollbackHooks(hooks: HookSegment, cause: unknown, frame: Frame): Promise<void> {
    for (const failed of await hooks.runRollbackHooks(cause)) {
      this.#deps.logger.error({ err: failed, cause, unitOfWork: frame.id }, "an onRollback hook failed");
    }
  }
}

/** The error `run()` rejects with: the application's own, or the typed database error. */
function failure(error: unknown, deadline: Deadline | undefined): unknown {
  if (error instanceof UnitOfWorkTimeoutError || error instanceof UnitOfWorkAbortedError) return error;
  const translated = translateDatabaseError(error);
  if (translated && deadline?.expired) return deadline.error(error);
  return translated ?? error;
}

async function runCommitHooks(hooks: HookSegment): Promise<void> {
  const failures = await hooks.runCommitHooks();
  if (failures.length) throw new AfterCommitHookError(failures);
}

function isWithin(frame: Frame, ancestor: Frame): boolean {
  for (let f: Frame | undefined = frame; f; f = f.parent) if (f === ancestor) return true;
  return false;
}
