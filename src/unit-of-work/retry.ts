import { DeadlockError, SerializationFailureError } from "../errors";
import type { RetryOptions } from "./unit-of-work-options";

/** Whether a failed attempt may be re-run: 40001 or 40P01, and no COMMIT was sent. @internal */
export function isRetryable(error: unknown, commitAttempted: boolean): boolean {
  return !commitAttempted && (error instanceof SerializationFailureError || error instanceof DeadlockError);
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
