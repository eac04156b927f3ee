import type { ObjectLiteral } from "typeorm";
import type { Frame } from "../unit-of-work";
import type { RepositoryCore } from "./repository-core";
import { StreamCursor } from "./stream-cursor";
import type { StreamPlan } from "./stream-plan";

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });
const noop = () => undefined;

/**
 * What `stream()` returns: an async iterator over the entities of a cursor, one batch in memory at a
 * time. It fetches the next batch only when the consumer asks for a row past the current one
 * (nothing is read ahead), and closes the cursor however the iteration ends: exhausted, `return()`
 * (`break` in `for await`), `throw()`, or an error of its own, which it throws after closing. Calls
 * are served in order, like an async generator's; a row already fetched costs one resolved promise.
 * @internal
 */
export class EntityStream<T extends ObjectLiteral> implements AsyncGenerator<T, void, undefined> {
  readonly #core: RepositoryCore<T>;
  readonly #plan: StreamPlan;
  readonly #frame: Frame | undefined;
  #cursor?: StreamCursor<T>;
  #rows: T[] = [];
  #at = 0;
  /** The cursor had fewer rows than asked for: nothing to fetch after the current batch. */
  #exhausted = false;
  #closed = false;
  /** The last call being served (a fetch, a close), settled either way; later calls wait for it. */
  #busy?: Promise<void>;
  #calls = 0;

  constructor(core: RepositoryCore<T>, plan: StreamPlan, frame: Frame | undefined) {
    this.#core = core;
    this.#plan = plan;
    this.#frame = frame;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, void>> {
    if (!this.#busy && this.#at < this.#rows.length && !this.#closed) {
      if (this.#cursor!.connection.unit?.ended) return this.#serve(() => this.#advance());
      const value = this.#rows[this.#at]!;
      this.#rows[this.#at++] = undefined as never; // handed out: the batch no longer holds it
      return Promise.resolve({ value, done: false });
    }
    return this.#serve(() => this.#advance());
  }

  /** Closes the cursor (and releases a connection of the stream's own); later calls give `done`. */
  return(): Promise<IteratorResult<T, void>> {
    return this.#serve(async () => {
      await this.#close(undefined);
      return DONE;
    });
  }

  /** `await using stream = repo.stream()`: closed when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** Closes the stream, then rejects with `error` (as an async generator does). */
  throw(error: unknown): Promise<IteratorResult<T, void>> {
    return this.#serve(async () => {
      await this.#close(undefined);
      throw error;
    });
  }

  /** Runs `call` after the calls before it, as an async generator queues its calls. */
  #serve<R>(call: () => Promise<R>): Promise<R> {
    const previous = this.#busy;
    const id = ++this.#calls;
    const run = (async () => {
      try {
        if (previous) await previous;
        return await call();
      } finally {
        // cleared before the caller resumes, so that its next call takes the fast path
        if (this.#calls === id) this.#busy = undefined;
      }
    })();
    this.#busy = run.then(noop, noop);
    return run;
  }

  async #advance(): Promise<IteratorResult<T, void>> {
    if (this.#closed) return DONE;
    try {
      this.#cursor?.connection.check();
      if (this.#at >= this.#rows.length) {
        if (this.#exhausted) {
          await this.#close(undefined);
          return DONE;
        }
        this.#cursor ??= await StreamCursor.open(this.#core, this.#plan, this.#frame);
        const batch = await this.#cursor.fetch();
        this.#rows = batch.entities;
        this.#at = 0;
        this.#exhausted = batch.rows < this.#plan.batchSize;
        if (this.#rows.length === 0) {
          await this.#close(undefined);
          return DONE;
        }
      }
      const value = this.#rows[this.#at]!;
      this.#rows[this.#at++] = undefined as never;
      return { value, done: false };
    } catch (error) {
      await this.#close(error);
      throw error;
    }
  }

  /** Ends the stream once; after `failure`, the failure is what the consumer gets. */
  async #close(failure: unknown): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rows = [];
    if (!this.#cursor) return;
    await this.#cursor.close(failure);
  }
}
