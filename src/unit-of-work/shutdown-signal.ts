/**
 * What `abortAll` fires (`uw.close({ timeoutMs })` giving up): every running unit of work listens to it
 * for all of its life, so listening costs a `Set` entry, not an `EventTarget` listener. @internal
 */
export class ShutdownSignal {
  readonly #listeners = new Set<() => void>();
  #aborted = false;
  #reason: unknown;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Fires once: every listener is called, then dropped. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }

  /** Calls `listener` when the signal fires; returns what stops listening. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
