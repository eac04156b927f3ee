import type { ContextStore } from "../unit-of-work";
import { captureStack, type CapturedStack } from "./stack-frames";

/**
 * Captures the application's call site where it calls into a repository (synchronously, so the
 * application frames are on the stack) and carries it, in the execution context, to every
 * statement the call issues. @internal
 */
export class CallSiteTracer {
  readonly #context: ContextStore;
  readonly #enabled: () => boolean;

  constructor(context: ContextStore, enabled: () => boolean) {
    this.#context = context;
    this.#enabled = enabled;
  }

  /** The call site carried by the current call chain, if any. */
  get current(): CapturedStack | undefined {
    return this.#context.current.callSite;
  }

  /**
   * Whether `trace` would capture here: not inside a traced call (nested calls, update → existsById or
   * a repository → EntityManager, keep the outer, application-level site) and capturing is on.
   */
  get wouldCapture(): boolean {
    return !this.#context.current.callSite && this.#enabled();
  }

  /** Runs `operation` with the call site of the caller of `boundary` (whose own frames are skipped). */
  trace<R>(boundary: Function, operation: () => Promise<R>): Promise<R> {
    if (!this.wouldCapture) return operation();
    const callSite = captureStack(boundary);
    return callSite ? this.#context.with({ callSite }, operation) : operation();
  }
}
