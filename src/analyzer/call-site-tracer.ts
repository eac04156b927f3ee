import type { ContextStore } from "../unit-of-work";
import { captureStack, type CapturedStack } from "./stack-frames";

/** Frames enough for the first application frame at a repository's or EntityManager's entry (a cursor page or a stream's batch has up to 13 of unitwork's own above it). */
const NEAR_FRAMES = 16;

/**
 * Captures the application's call site where it calls into a repository (synchronously, so the
 * application frames are on the stack) and carries it, in the execution context, to every
 * statement the call issues. @internal
 */
export class CallSiteTracer {
  readonly #context: ContextStore;
  readonly #enabled: () => boolean;
  /** Other readers of call sites (telemetry's statement spans), asked after the analyzer. */
  #alsoFor: (() => boolean)[] = [];

  constructor(context: ContextStore, enabled: () => boolean) {
    this.#context = context;
    this.#enabled = enabled;
  }

  /**
   * Captures also while `wanted()` says so: a reader that needs every statement's call site takes it
   * here, once per call where the stack is short, not per statement. Returns the undo.
   */
  alsoFor(wanted: () => boolean): () => void {
    this.#alsoFor = [...this.#alsoFor, wanted];
    return () => {
      this.#alsoFor = this.#alsoFor.filter((w) => w !== wanted);
    };
  }

  /** Whether the analyzer itself takes call sites now (a mode other than `off`, or an explicit scope open). */
  get analyzing(): boolean {
    return this.#enabled();
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
    return !this.#context.current.callSite && (this.#enabled() || this.#alsoFor.some((wanted) => wanted()));
  }

  /**
   * Runs `operation` with the current call site (its application frames: unitwork's are skipped when
   * read). The analyzer's call paths take the whole stack; the other readers only its nearest frames.
   * `checked`: the caller has just asked `wouldCapture` (and got `true`).
   */
  trace<R>(operation: () => Promise<R>, checked = false): Promise<R> {
    if (!checked && !this.wouldCapture) return operation();
    return this.#context.with({ callSite: captureStack(this.#enabled() ? undefined : NEAR_FRAMES) }, operation);
  }
}
