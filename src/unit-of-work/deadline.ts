import { UnitOfWorkTimeoutError } from "../errors";

/** The wall-clock deadline of a unit of work, shared by the scopes inside it. @internal */
export class Deadline {
  readonly at: number;
  #expired = false;

  /** The deadline of a scope: its own `timeoutMs` (never later than the enclosing one), else the enclosing one. */
  static derive(timeoutMs: number | undefined, parent: Deadline | undefined): Deadline | undefined {
    return timeoutMs ? new Deadline(timeoutMs, parent) : parent;
  }

  constructor(readonly timeoutMs: number, parent?: Deadline) {
    const own = Date.now() + timeoutMs;
    this.at = parent ? Math.min(parent.at, own) : own;
    if (parent && parent.at <= own) this.timeoutMs = parent.timeoutMs;
  }

  get expired(): boolean {
    return this.#expired || Date.now() >= this.at;
  }

  error(cause?: unknown): UnitOfWorkTimeoutError {
    return new UnitOfWorkTimeoutError(this.timeoutMs, undefined, cause === undefined ? {} : { cause });
  }

  /** Settles like `promise`, or rejects with `UnitOfWorkTimeoutError` at the deadline. */
  race<T>(promise: Promise<T>): Promise<T> {
    const remaining = this.at - Date.now();
    if (remaining <= 0) {
      this.#expired = true;
      promise.catch(() => undefined); // settles after the deadline; its outcome is superseded by the timeout
      return Promise.reject(this.error());
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#expired = true;
        reject(this.error());
      }, remaining);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
