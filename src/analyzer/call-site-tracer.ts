import { AsyncLocalStorage } from "node:async_hooks";
import type { CallSiteTracer } from "../repository/repository-runtime";
import { captureStack, type CapturedStack } from "./stack-frames";

/**
 * Captures the application's call site where it calls into a repository (synchronously, so the
 * application frames are on the stack) and carries it to every statement the call issues. @internal
 */
export class StackCarrier implements CallSiteTracer {
  private readonly storage = new AsyncLocalStorage<CapturedStack>();

  constructor(private readonly enabled: () => boolean) {}

  /** The call site carried by the current call chain, if any. */
  get current(): CapturedStack | undefined {
    return this.storage.getStore();
  }

  /**
   * Whether `trace` would capture here: not inside a traced call (nested calls, update → existsById or
   * a repository → EntityManager, keep the outer, application-level site) and capturing is on.
   */
  get wouldCapture(): boolean {
    return !this.storage.getStore() && this.enabled();
  }

  trace<R>(boundary: Function, operation: () => Promise<R>): Promise<R> {
    if (!this.wouldCapture) return operation();
    const stack = captureStack(boundary);
    return stack ? this.storage.run(stack, operation) : operation();
  }
}
