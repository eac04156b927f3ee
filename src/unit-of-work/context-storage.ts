import { AsyncLocalStorage } from "node:async_hooks";
import type { Frame } from "./frame";

/** The AsyncLocalStorage that carries the active frame of each call chain. @internal */
export class ContextStorage {
  private readonly als = new AsyncLocalStorage<Frame>();

  get current(): Frame | undefined {
    return this.als.getStore();
  }

  run<R>(frame: Frame, fn: () => R): R {
    return this.als.run(frame, fn);
  }

  /** Runs `fn` outside any frame: used for the unit of work's own control statements. */
  exit<R>(fn: () => R): R {
    return this.als.exit(fn);
  }
}
