import { AsyncLocalStorage } from "node:async_hooks";
import type { Frame } from "./frame";
import type { ReadSession } from "./read-session";

/**
 * What one async call chain carries, as one immutable object: a change is a new object for the code
 * it runs (`ContextStore.with`). The unit of work sets `frame`; the analyzer adds its own fields by
 * declaration merging (`src/analyzer/analysis-context.ts`), so this layer never imports it. @internal
 */
export interface ExecutionContext {
  /** The unit-of-work scope of this call chain, if any. */
  readonly frame?: Frame;
  /** The read-your-writes session of this call chain (read replicas): an HTTP request, `uw.session(fn)`. */
  readonly session?: ReadSession;
  /** Every read of this call chain on the primary (a repository write's own reads outside a unit of work). */
  readonly primary?: boolean;
}

const EMPTY: ExecutionContext = Object.freeze({});

/**
 * `base` changed by `patch`, then by `more` (a later key wins, `undefined` included), built key by key
 * from an empty literal. Not `{ ...base, ...patch }`: V8 11 (Node 20) gives a spread's copy a map
 * outside the transition tree, so each key added after it makes a new map, and every read of such a
 * context misses the inline caches (`node --log-maps`: five new maps per TPC-B transaction in `log`
 * mode). @internal
 */
export function deriveContext(base: ExecutionContext, patch: ExecutionContext, more?: ExecutionContext): ExecutionContext {
  const next: Record<string, unknown> = {};
  for (const key in base) next[key] = (base as Record<string, unknown>)[key];
  for (const key in patch) next[key] = (patch as Record<string, unknown>)[key];
  if (more) for (const key in more) next[key] = (more as Record<string, unknown>)[key];
  return next as ExecutionContext;
}

/**
 * The one AsyncLocalStorage of a unitwork instance. One storage for everything (not one per concern):
 * Node 20 calls a promise hook per enabled storage on every promise of the application. @internal
 */
export class ContextStore {
  readonly #storage = new AsyncLocalStorage<ExecutionContext>();

  /** The context of the caller's call chain (an empty one outside any). */
  get current(): ExecutionContext {
    return this.#storage.getStore() ?? EMPTY;
  }

  /** Runs `fn` with `context` as the current context. */
  run<R>(context: ExecutionContext, fn: () => R): R {
    return this.#storage.run(context, fn);
  }

  /** Runs `fn` outside any context: the unit of work's own control statements. */
  outside<R>(fn: () => R): R {
    const current = this.#storage.getStore();
    return current === undefined || current === EMPTY ? fn() : this.#storage.run(EMPTY, fn);
  }

  /** Runs `fn` with the current context changed by `patch`. */
  with<R>(patch: ExecutionContext, fn: () => R): R {
    return this.#storage.run(deriveContext(this.current, patch), fn);
  }
}

/** Makes the context store of one unitwork instance; two instances never share one. @internal */
export function createContextStore(): ContextStore {
  return new ContextStore();
}
