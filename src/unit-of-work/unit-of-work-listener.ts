import { deriveContext, type ExecutionContext } from "./execution-context";
import type { Frame } from "./frame";
import type { IsolationLevel, Propagation } from "./unit-of-work-options";

/** One outermost unit of work (a transaction begun), all its attempts included: what telemetry is told. @internal */
export interface UnitRun {
  readonly name: string | undefined;
  readonly propagation: Propagation;
  readonly isolation: IsolationLevel | undefined;
  readonly readOnly: boolean;
  /** Attempts started so far (1, then 2 after a retry, …). */
  attempts: number;
}

/** Told when an outermost unit of work starts and ends (the analyzer is one). @internal */
export interface UnitOfWorkListener {
  /** Before the work runs; what it returns is added to the work's execution context. */
  unitStarted?(frame: Frame): ExecutionContext | void;
  /**
   * After the work succeeded, before COMMIT. May throw: the unit of work then rolls back and `run()`
   * rejects with that error (the analyzer's `throw` mode decides here, so refused work is never committed).
   * `result` is what the work returned.
   */
  beforeCommit?(frame: Frame, result: unknown): void | Promise<void>;
  /** After COMMIT or ROLLBACK, before the hooks run, with the work's result after a COMMIT. May throw to fail `run()`. */
  unitEnded?(frame: Frame, error: unknown, result?: unknown): void | Promise<void>;
  /** Around a unit that begins a transaction, all its attempts included; must call `run` once and settle like it. */
  aroundUnit?<R>(unit: UnitRun, run: () => Promise<R>): Promise<R>;
}

/** The listeners of one unit of work, told in registration order. @internal */
export class UnitOfWorkListeners {
  readonly #listeners: UnitOfWorkListener[] = [];

  add(listener: UnitOfWorkListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }

  /** Runs `run` inside every listener's `aroundUnit` (the first listener outermost). */
  around<R>(unit: UnitRun, run: () => Promise<R>): Promise<R> {
    let next = run;
    for (let i = this.#listeners.length - 1; i >= 0; i--) {
      const listener = this.#listeners[i]!;
      if (!listener.aroundUnit) continue;
      const inner = next;
      next = () => listener.aroundUnit!(unit, inner);
    }
    return next();
  }

  /** The context the listeners add for the work of `frame` (`undefined` when none adds any). */
  started(frame: Frame): ExecutionContext | undefined {
    let patch: ExecutionContext | undefined;
    for (const listener of this.#listeners) {
      const added = listener.unitStarted?.(frame);
      if (added) patch = patch ? deriveContext(patch, added) : added;
    }
    return patch;
  }

  /** Asks the listeners in order, from `from`, before COMMIT; waits only for those that return a promise. */
  beforeCommit(frame: Frame, result: unknown, from = 0): Promise<void> | void {
    for (let i = from; i < this.#listeners.length; i++) {
      const pending = this.#listeners[i]!.beforeCommit?.(frame, result);
      if (pending) return pending.then(() => this.beforeCommit(frame, result, i + 1));
    }
  }

  /** Tells the listeners in order, from `from`; waits only for those that return a promise. */
  ended(frame: Frame, error: unknown, result?: unknown, from = 0): Promise<void> | void {
    for (let i = from; i < this.#listeners.length; i++) {
      const pending = this.#listeners[i]!.unitEnded?.(frame, error, result);
      if (pending) return pending.then(() => this.ended(frame, error, result, i + 1));
    }
  }
}
