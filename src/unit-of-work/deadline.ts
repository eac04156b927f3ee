import { UnitOfWorkAbortedError, UnitOfWorkTimeoutError } from "../errors";
import type { ShutdownListener, ShutdownSignal } from "./shutdown-signal";

/**
 * The wall-clock deadline of a unit of work, shared by the scopes inside it, and the abort signals
 * that end it like a deadline (`run(work, { signal })`, `uw.close({ timeoutMs })`). @internal
 */
export class Deadline {
  readonly at: number;
  readonly timeoutMs: number;
  /** Signals that end the unit like its deadline: its own and its enclosing unit's. */
  readonly signals: readonly AbortSignal[];
  /** The unitwork instance's `abortAll` signal, for an outermost unit and what runs inside it. */
  readonly shutdown: ShutdownSignal | undefined;
  #expired = false;

  /** The deadline of a scope: its own `timeoutMs` (never later than the enclosing one) and `signal`, else the enclosing one. */
  static derive(timeoutMs: number | undefined, parent: Deadline | undefined, signal?: AbortSignal): Deadline | undefined {
    return timeoutMs || signal ? new Deadline(timeoutMs ?? Infinity, parent, signal) : parent;
  }

  constructor(timeoutMs: number, parent?: Deadline, signal?: AbortSignal, shutdown?: ShutdownSignal) {
    const own = Date.now() + timeoutMs;
    this.at = parent ? Math.min(parent.at, own) : own;
    this.timeoutMs = parent && parent.at <= own ? parent.timeoutMs : timeoutMs;
    this.signals = signal ? (parent ? [...parent.signals, signal] : [signal]) : (parent?.signals ?? []);
    this.shutdown = shutdown ?? parent?.shutdown;
  }

  get expired(): boolean {
    return this.#expired || Date.now() >= this.at || this.#aborted() !== undefined;
  }

  /** `UnitOfWorkAbortedError` when a signal fired, else `UnitOfWorkTimeoutError`. */
  error(cause?: unknown): UnitOfWorkTimeoutError | UnitOfWorkAbortedError {
    const details = cause === undefined ? {} : { cause };
    const aborted = this.#aborted();
    if (aborted) return new UnitOfWorkAbortedError(aborted.reason, undefined, details);
    return new UnitOfWorkTimeoutError(this.timeoutMs, undefined, details);
  }

  /**
   * Settles like `promise`, or rejects with `UnitOfWorkTimeoutError` at the deadline (`UnitOfWorkAbortedError`
   * when a signal fires). One promise, a timer only for a finite deadline, and the shutdown signal
   * listened to through a list node: every outermost unit races its connect, BEGIN and work this way.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    const remaining = this.at - Date.now();
    if (remaining <= 0 || this.#aborted()) {
      this.#expired = true;
      promise.catch(() => undefined); // settles after the deadline; its outcome is superseded by the timeout
      return Promise.reject(this.error());
    }
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      let listening: ShutdownListener | undefined;
      const settled = () => {
        if (timer) clearTimeout(timer);
        if (onAbort) for (const signal of this.signals) signal.removeEventListener("abort", onAbort);
        listening?.stop();
      };
      const expire = () => {
        this.#expired = true;
        settled();
        reject(this.error());
      };
      if (remaining !== Infinity) timer = setTimeout(expire, remaining);
      if (this.signals.length) {
        onAbort = expire;
        for (const signal of this.signals) signal.addEventListener("abort", onAbort, { once: true });
      }
      if (this.shutdown) listening = this.shutdown.listen(expire);
      promise.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error: unknown) => {
          settled();
          reject(error);
        },
      );
    });
  }

  #aborted(): { readonly reason: unknown } | undefined {
    for (const signal of this.signals) if (signal.aborted) return signal;
    return this.shutdown?.aborted ? this.shutdown : undefined;
  }
}
