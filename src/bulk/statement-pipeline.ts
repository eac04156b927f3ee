import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Runs a bulk call's statements one after another on its connection while the caller renders the
 * next chunk: the JavaScript work of chunk n + 1 overlaps PostgreSQL's work on chunk n. At most one
 * statement is in flight; its failure surfaces at the next `push`, at `drain`, or, when rendering
 * fails first, instead of that failure (the earlier chunk's error is the one to report). @internal
 */
export class StatementPipeline {
  private inFlight?: Promise<void>;

  /** Waits for the statement in flight, then starts `statement` and returns once it has been sent. */
  async push(statement: () => Promise<void>): Promise<void> {
    await this.inFlight;
    const running = statement();
    // observed by the next push, drain or fail; until then it must not count as unhandled
    running.catch(() => undefined);
    this.inFlight = running;
    // one turn of the event loop: the driver writes the statement to the socket before the caller's
    // synchronous rendering of the next chunk begins
    await nextTurn();
  }

  /** Waits for the last statement. */
  async drain(): Promise<void> {
    await this.inFlight;
  }

  /** After `error` in the caller: waits for the statement in flight and throws its error if it failed, else `error`. */
  async fail(error: unknown): Promise<never> {
    const running = this.inFlight;
    this.inFlight = undefined;
    await running;
    throw error;
  }
}
