import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/** `getByIdOrFail` and friends found no row. */
export class NotFoundError extends UnitworkError {
  override readonly code = "NOT_FOUND";
  constructor(readonly entity: string, readonly id: unknown, details?: ErrorDetails) {
    super(`${entity} with id ${JSON.stringify(id)} was not found`, details);
  }
}

/** One class-validator (or unitwork) rule that a value broke. */
export interface ValidationIssue {
  property: string;
  value?: unknown;
  constraints: Record<string, string>;
  /** Index of the row in a bulk call. */
  row?: number;
  children?: ValidationIssue[];
}

/** Input failed validation; nothing was written. */
export class ValidationError extends UnitworkError {
  override readonly code = "VALIDATION_FAILED";
  constructor(readonly entity: string, readonly issues: ValidationIssue[], details?: ErrorDetails) {
    super(`${entity} failed validation: ${summarize(issues)}`, details);
  }
}

function summarize(issues: ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.row === undefined ? "" : `row ${i.row}: `}${i.property} (${Object.values(i.constraints).join("; ") || "invalid"})`)
    .join(", ") + (issues.length > 5 ? `, and ${issues.length - 5} more` : "");
}

/** A filter, sort, page or cursor that is not allowed; thrown before any SQL is built. */
export class InvalidQueryError extends UnitworkError {
  override readonly code = "INVALID_QUERY";
  constructor(message: string, readonly key?: string, readonly allowed?: readonly string[], details?: ErrorDetails) {
    super(allowed && allowed.length ? `${message} (allowed: ${allowed.join(", ")})` : message, details);
  }
}

/** Optimistic lock failure: the row changed (or vanished) since it was read. */
export class ConcurrencyError extends UnitworkError {
  override readonly code = "CONCURRENCY_CONFLICT";
  constructor(readonly entity: string, readonly ids: readonly unknown[], details?: ErrorDetails) {
    super(`${entity} ${ids.map((id) => JSON.stringify(id)).join(", ")} changed since it was read (version mismatch)`, details);
  }
}

/** `propagation: "mandatory"` outside a unit of work. */
export class TransactionRequiredError extends UnitworkError {
  override readonly code = "TRANSACTION_REQUIRED";
}

/** A unit of work used against its rules: `never` inside one, joining with another isolation, use after end. */
export class IllegalTransactionStateError extends UnitworkError {
  override readonly code = "ILLEGAL_TRANSACTION_STATE";
}

/** Strict mode: a write outside any unit of work. */
export class NoActiveUnitOfWorkError extends UnitworkError {
  override readonly code = "NO_ACTIVE_UNIT_OF_WORK";
}

/** The unit of work passed its `timeoutMs`; nothing was committed. */
export class UnitOfWorkTimeoutError extends UnitworkError {
  override readonly code = "UNIT_OF_WORK_TIMEOUT";
  constructor(readonly timeoutMs: number, message?: string, details?: ErrorDetails) {
    super(message ?? `unit of work exceeded its deadline of ${timeoutMs} ms; nothing was committed`, details);
  }
}

/** An `onCommit` hook threw after the data was committed. The data stays committed. */
export class AfterCommitHookError extends UnitworkError {
  override readonly code = "AFTER_COMMIT_HOOK_FAILED";
  constructor(readonly errors: readonly unknown[]) {
    super(`${errors.length} onCommit hook(s) failed after COMMIT; the data is committed`, { cause: errors[0] });
  }
}

/**
 * A statement failed inside the unit of work, the work caught the error and went on, so PostgreSQL
 * had aborted the transaction: it was rolled back instead of committed. Use `propagation: "nested"`
 * around a write that may fail to keep the outer unit usable.
 */
export class TransactionAbortedError extends UnitworkError {
  override readonly code = "TRANSACTION_ABORTED";
}

/** A configuration value (environment variable or option) that cannot be used. */
export class InvalidConfigError extends UnitworkError {
  override readonly code = "INVALID_CONFIG";
}
