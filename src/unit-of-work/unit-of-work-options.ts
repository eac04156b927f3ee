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

export type IsolationLevel = "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

export interface RetryOptions {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  /** First backoff in ms (default 10); doubles each attempt, with full jitter. */
  baseDelayMs?: number;
  /** Cap on one backoff (default 1000). */
  maxDelayMs?: number;
}

export interface UnitOfWorkOptions {
  propagation?: Propagation;
  isolation?: IsolationLevel;
  readOnly?: boolean;
  /** Deadline for the whole unit, the wait for a pool connection included. */
  timeoutMs?: number;
  /** Re-run the whole work on 40001/40P01 (outermost unit only). */
  retry?: RetryOptions;
  /** Shown in logs and analyzer reports. */
  name?: string;
}

export const PROPAGATIONS: readonly Propagation[] = ["required", "requiresNew", "nested", "mandatory", "supports", "notSupported", "never"];
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];
