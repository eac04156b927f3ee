import { UnitOfWorkTimeoutError } from "../errors";

/** The wall-clock deadline of a unit of work, shared by the scopes inside it. @internal */
export class Deadline {
  readonly at: number;
  private expiredFlag = false;

  constructor(readonly timeoutMs: number, parent?: Deadline) {
    const own = Date.now() + timeoutMs;
    this.at = parent ? Math.min(parent.at, own) : own;
    if (parent && parent.at <= own) this.timeoutMs = parent.timeoutMs;
  }

  get expired(): boolean {
    return this.expiredFlag || Date.now() >= this.at;
  }

  error(cause?: unknown): UnitOfWorkTimeoutError {
    return new UnitOfWorkTimeoutError(this.timeoutMs, undefined, cause === undefined ? {} : { cause });
  }

  /** Settles like `promise`, or rejects with `UnitOfWorkTimeoutError` at the deadline. */
  race<T>(promise: Promise<T>): Promise<T> {
    const remaining = this.at - Date.now();
    if (remaining <= 0) {
      this.expiredFlag = true;
      promise.catch(() => undefined); // settles after the deadline; its outcome is superseded by the timeout
      return Promise.reject(this.error());
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.expiredFlag = true;
        reject(this.error());
      }, remaining);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
