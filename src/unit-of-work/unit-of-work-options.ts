import { refuseUnknownOptions } from "../config";
import { IllegalTransactionStateError, InvalidConfigError } from "../errors";
import { checkSettingsJoinable, checkTransactionSettings, type TransactionSettings } from "./transaction-settings";

/**
 * How a unit of work relates to one already active in the call chain.
 * - `required`: join the active one, else begin (default)
 * - `requiresNew`: always its own connection and transaction, committed independently
 * - `nested`: a SAVEPOINT in the active one, else begin
 * - `mandatory`: join the active one, else throw `TransactionRequiredError`
 * - `supports`: join the active one, else run without a transaction
 * - `notSupported`: run without a transaction, suspending the active one
 * - `never`: run without a transaction, throw `IllegalTransactionStateError` inside one
 */
export type Propagation = "required" | "requiresNew" | "nested" | "mandatory" | "supports" | "notSupported" | "never";

/** Transaction isolation level (`BEGIN ISOLATION LEVEL …`); PostgreSQL's default is `"READ COMMITTED"`. */
export type IsolationLevel = "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

/**
 * Failures after which a whole outermost unit of work may be re-run:
 * - `serialization`: 40001 (`SerializationFailureError`)
 * - `deadlock`: 40P01 (`DeadlockError`)
 * - `connection`: the connection was lost before COMMIT was sent (`ConnectionLostError`), or none
 *   could be had in time (`ConnectionError`). Never after COMMIT was sent (`CommitOutcomeUnknownError`).
 */
export type RetryCondition = "serialization" | "deadlock" | "connection";

/** When and how often a failed outermost unit of work is re-run (`UnitOfWorkOptions.retry`). */
export interface RetryOptions {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  /** What to retry on; default `["serialization", "deadlock"]`. */
  on?: readonly RetryCondition[];
  /** First backoff in ms (default 10); doubles each attempt, with full jitter. */
  baseDelayMs?: number;
  /** Cap on one backoff in ms (default 1000). */
  maxDelayMs?: number;
}

/**
 * Options of `unitOfWork.run`, `@Transactional` and `withUnitOfWork`; `createUnitwork({ defaults })`
 * sets defaults for every outermost unit of work.
 *
 * @example
 * await uw.unitOfWork.run(work, { isolation: "SERIALIZABLE", retry: { attempts: 5 }, timeoutMs: 5_000, name: "signup" });
 */
export interface UnitOfWorkOptions {
  /** How to relate to a unit of work already active in the call chain; default `"required"`. */
  propagation?: Propagation;
  /** Isolation of a new transaction (default: the server's, normally READ COMMITTED); joining one with another isolation throws `IllegalTransactionStateError`. */
  isolation?: IsolationLevel;
  /** Begin the transaction `READ ONLY`; default `false`. */
  readOnly?: boolean;
  /**
   * Deadline in ms for the whole unit (every retry attempt and the wait for a pool connection
   * included); past it the statement in flight is cancelled and `UnitOfWorkTimeoutError` is thrown.
   * Inner units keep the enclosing deadline (an own `timeoutMs` can only shorten it). Default: none.
   */
  timeoutMs?: number;
  /** Re-run the whole work on 40001/40P01 (outermost unit only; see {@link RetryOptions}); default: no retry. */
  retry?: RetryOptions;
  /** Shown in logs and analyzer reports. */
  name?: string;
  /**
   * How long one statement may wait for a lock (`SET LOCAL lock_timeout` at BEGIN, outermost unit
   * only: joined and nested units share their transaction's); a longer wait fails with `LockTimeoutError`.
   */
  lockTimeoutMs?: number;
  /**
   * Aborting it ends the unit of work like its deadline: the statement in flight is cancelled, nothing
   * is committed and `run()` rejects with `UnitOfWorkAbortedError`. Inner units inherit it.
   */
  signal?: AbortSignal;
  /**
   * PostgreSQL settings for this unit's transaction, applied right after BEGIN with one
   * `SELECT set_config(key, value, true), …` (names and values bound as parameters), so they end with
   * the transaction: nothing is left on the connection (safe behind PgBouncer in transaction mode).
   * The typical use is row-level security: a policy on `current_setting('app.tenant_id')`. Keys are
   * setting names (identifiers joined by dots); values are strings. `createUnitwork({ defaults })`
   * settings are merged under these. A unit that joins an active one (or nests in it) must ask for
   * the same values, or none, else `IllegalTransactionStateError`; `requiresNew` has only the defaults'
   * and its own (pass `ctx.settings` to keep the outer ones). A unit without a transaction cannot have
   * settings.
   *
   * @example
   * await uw.unitOfWork.run(async (ctx) => ctx.repository(Organization).findMany(), {
   *   settings: { "app.tenant_id": String(tenantId) },
   * });
   */
  settings?: TransactionSettings;
}

export const PROPAGATIONS: readonly Propagation[] = ["required", "requiresNew", "nested", "mandatory", "supports", "notSupported", "never"];
/** The keys of `UnitOfWorkOptions`, for refusing misspelt ones. @internal */
export const UNIT_OF_WORK_OPTION_KEYS: readonly (keyof UnitOfWorkOptions)[] = ["propagation", "isolation", "readOnly", "timeoutMs", "retry", "name", "lockTimeoutMs", "signal", "settings"];
const RETRY_OPTION_KEYS: readonly (keyof RetryOptions)[] = ["attempts", "baseDelayMs", "maxDelayMs", "on"];
export const RETRY_CONDITIONS: readonly RetryCondition[] = ["serialization", "deadlock", "connection"];
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

/** `InvalidConfigError` for an option no unit of work can run with (also for `defaults`). @internal */
export function checkUnitOfWorkOptions(options: UnitOfWorkOptions, what = "unit of work"): void {
  refuseUnknownOptions(options, UNIT_OF_WORK_OPTION_KEYS, what);
  if (options.propagation !== undefined && !PROPAGATIONS.includes(options.propagation)) {
    throw new InvalidConfigError(`unknown propagation ${JSON.stringify(options.propagation)}; use one of ${PROPAGATIONS.join(", ")}`);
  }
  if (options.isolation !== undefined && !ISOLATION_LEVELS.includes(options.isolation)) {
    throw new InvalidConfigError(`unknown isolation ${JSON.stringify(options.isolation)}; use one of ${ISOLATION_LEVELS.join(", ")}`);
  }
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new InvalidConfigError(`timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
  }
  if (options.lockTimeoutMs !== undefined && !(Number.isInteger(options.lockTimeoutMs) && options.lockTimeoutMs > 0)) {
    throw new InvalidConfigError(`lockTimeoutMs must be a positive integer (milliseconds), got ${String(options.lockTimeoutMs)}`);
  }
  if (options.signal !== undefined && !(typeof options.signal === "object" && options.signal !== null && typeof options.signal.aborted === "boolean" && typeof options.signal.addEventListener === "function")) {
    throw new InvalidConfigError("signal must be an AbortSignal");
  }
  checkTransactionSettings(options.settings);
  const retry = options.retry;
  if (retry !== undefined && !(Number.isInteger(retry.attempts) && retry.attempts >= 1)) {
    throw new InvalidConfigError(`retry.attempts must be an integer >= 1, got ${String(retry.attempts)}`);
  }
  if (retry !== undefined) refuseUnknownOptions(retry, RETRY_OPTION_KEYS, "retry");
  if (retry?.on !== undefined && !(Array.isArray(retry.on) && retry.on.every((c) => RETRY_CONDITIONS.includes(c)))) {
    throw new InvalidConfigError(`retry.on must list some of ${RETRY_CONDITIONS.join(", ")}, got ${JSON.stringify(retry.on)}`);
  }
}

/**
 * `IllegalTransactionStateError` when a unit of work with `options` cannot run inside the transaction
 * `tx` (joined or as a savepoint): another isolation, `readOnly: false` inside a read-only one, or
 * settings other than the transaction's. @internal
 */
export function checkJoinable(tx: { readonly isolation?: IsolationLevel; readonly readOnly: boolean; readonly settings: TransactionSettings }, options: UnitOfWorkOptions): void {
  const active = tx.isolation ?? "READ COMMITTED";
  if (options.isolation && options.isolation !== active) {
    throw new IllegalTransactionStateError(`cannot join a ${active} unit of work with isolation ${options.isolation}`);
  }
  if (options.readOnly === false && tx.readOnly) {
    throw new IllegalTransactionStateError("cannot join a read-only unit of work with readOnly: false");
  }
  checkSettingsJoinable(tx.settings, options.settings);
}
