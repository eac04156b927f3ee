/** One listener of a `ShutdownSignal`: a node of its list, unlinked by `stop()`. @internal */
export class ShutdownListener {
  /** @internal */
  previous: ShutdownListener | undefined;
  /** @internal */
  next: ShutdownListener | undefined;

  constructor(
    readonly signal: ShutdownSignal,
    readonly listener: () => void,
  ) {}

  /** Stops listening (again: nothing). */
  stop(): void {
    this.signal.unlink(this);
  }
}

/**
 * What `abortAll` fires (`uw.close({ timeoutMs })` giving up): every running unit of work listens to it
 * for all of its life, so listening is a node linked into a list (no `EventTarget` listener, no hashing
 * of a `Set` entry). @internal
 */
export class ShutdownSignal {
  #head: ShutdownListener | undefined;
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
    const listeners: (() => void)[] = [];
    for (let node = this.#head; node; node = node.next) listeners.push(node.listener);
    this.#head = undefined;
    for (const listener of listeners) listener();
  }

  /** Calls `listener` when the signal fires; `stop()` on what it returns stops listening. */
  listen(listener: () => void): ShutdownListener {
    const node = new ShutdownListener(this, listener);
    if (this.#aborted) return node;
    node.next = this.#head;
    if (this.#head) this.#head.previous = node;
    this.#head = node;
    return node;
  }

  /** @internal `ShutdownListener.stop()`. */
  unlink(node: ShutdownListener): void {
    if (node.previous) node.previous.next = node.next;
    else if (this.#head === node) this.#head = node.next;
    else return; // not linked (stopped already, or the signal fired)
    if (node.next) node.next.previous = node.previous;
    node.previous = node.next = undefined;
  }
}
