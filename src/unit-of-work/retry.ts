import { ConnectionError, ConnectionLostError, DeadlockError, SerializationFailureError } from "../errors";
import type { RetryCondition, RetryOptions } from "./unit-of-work-options";

const DEFAULT_CONDITIONS: readonly RetryCondition[] = ["serialization", "deadlock"];

/** Whether a failed attempt may be re-run: a failure `retry.on` names, and no COMMIT was sent. @internal */
export function isRetryable(error: unknown, commitAttempted: boolean, retry: RetryOptions): boolean {
  if (commitAttempted) return false;
  const on = retry.on ?? DEFAULT_CONDITIONS;
  if (error instanceof SerializationFailureError) return on.includes("serialization");
  if (error instanceof DeadlockError) return on.includes("deadlock");
  if (error instanceof ConnectionLostError || error instanceof ConnectionError) return on.includes("connection");
  return false;
}

/** Full-jitter exponential backoff: random in [0, min(max, base * 2^(attempt-1))]. @internal */
export function backoffMs(retry: RetryOptions, attempt: number): number {
  const base = retry.baseDelayMs ?? 10;
  const cap = retry.maxDelayMs ?? 1000;
  return Math.random() * Math.min(cap, base * 2 ** (attempt - 1));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
