import { AsyncLocalStorage } from "node:async_hooks";
import type { Frame } from "./frame";

/** The AsyncLocalStorage that carries the active frame of each call chain. @internal */
export class ContextStorage {
  private readonly als = new AsyncLocalStorage<Frame | undefined>();

  get current(): Frame | undefined {
    return this.als.getStore();
  }

  run<R>(frame: Frame, fn: () => R): R {
    return this.als.run(frame, fn);
  }

  /**
   * Runs `fn` outside any frame: used for the unit of work's own control statements. A run with no
   * store rather than `als.exit()`, which disables the storage for the call and, when it is the
   * only one, switches Node's promise hooks off and on again: tens of microseconds per call.
   */
  exit<R>(fn: () => R): R {
    return this.als.run(undefined, fn);
  }
}
