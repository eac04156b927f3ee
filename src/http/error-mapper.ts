import {
  CheckViolationError,
  ConcurrencyError,
  ConnectionLostError,
  DeadlockError,
  ForeignKeyViolationError,
  InvalidQueryError,
  InvalidValueError,
  NotFoundError,
  NotNullViolationError,
  PermissionDeniedError,
  SerializationFailureError,
  StatementTimeoutError,
  UniqueViolationError,
  UnitOfWorkAbortedError,
  UnitOfWorkTimeoutError,
  UnsupportedMappingError,
  ValidationError,
  type ValidationIssue,
} from "../errors";

/** The JSON body of an error response: a stable `code`, a message safe to show, optional details and the request id. */
export interface HttpErrorBody {
  /** The error. */
  error: {
    /** The `UnitworkError` code (e.g. `"NOT_FOUND"`), `"INTERNAL_ERROR"`, or a client error's own code (`"BAD_REQUEST"` by default). */
    code: string;
    /** A message safe to show to the client. */
    message: string;
    /** Structured details (e.g. `{ entity, id }`, validation issues without their values); absent when there are none. */
    details?: unknown;
    /** The request id, when one was given. */
    requestId?: string;
  };
}

/** What {@link mapError} answers: the status, the JSON body and extra headers to send. */
export interface HttpErrorResponse {
  /** The HTTP status code. */
  status: number;
  /** The JSON body. */
  body: HttpErrorBody;
  /** Headers to add (e.g. `Retry-After` for a 503); `{}` when none. */
  headers: Record<string, string>;
  /** `true` for 5xx: the adapter logs these with the original error. */
  unexpected: boolean;
}

/**
 * Maps an error to an HTTP response. Never puts SQL, bound parameters, stack traces or the server's
 * message of an unexpected error into the body.
 *
 * | error | status |
 * |---|---|
 * | `NotFoundError` | 404 |
 * | `ValidationError` (`details`: the issues), `InvalidQueryError` (`details`: key, allowed) | 400 |
 * | `ConcurrencyError`, `UniqueViolationError` (`details`: constraint, columns) | 409 |
 * | `SerializationFailureError`, `DeadlockError` (retries ran out) | 409 |
 * | `ForeignKeyViolationError`: a referenced row is missing | 422 |
 * | `NotNullViolationError` (a required field is missing), `CheckViolationError` | 422 |
 * | `InvalidValueError` (SQLSTATE class 22: a value the column cannot hold), `UnsupportedMappingError` | 400 |
 * | `ForeignKeyViolationError`: the row is still referenced (a delete) | 409 |
 * | `PermissionDeniedError` refused by a row-level security policy (`details`: table) | 403 |
 * | `UnitOfWorkTimeoutError`, `StatementTimeoutError`, `ConnectionLostError` | 503 (`Retry-After: 1`) |
 * | an error with a 4xx `status`/`statusCode` and `expose !== false` (body parsers, http-errors) | that status |
 * | anything else | 500 `INTERNAL_ERROR` |
 *
 * @example
 * ```ts
 * import { mapError, NotFoundError } from "unitwork";
 *
 * const { status, body, headers } = mapError(new NotFoundError("User", 42), "r-1");
 * // status 404, headers {}, body:
 * // { error: { code: "NOT_FOUND", message: "User with id 42 was not found", details: { entity: "User", id: 42 }, requestId: "r-1" } }
 * ```
 */
export function mapError(error: unknown, requestId?: string): HttpErrorResponse {
  const mapped = classify(error);
  const body: HttpErrorBody = { error: { code: mapped.code, message: mapped.message } };
  if (mapped.details !== undefined) body.error.details = mapped.details;
  if (requestId) body.error.requestId = requestId;
  return { status: mapped.status, body, headers: mapped.headers ?? {}, unexpected: mapped.status >= 500 };
}

interface Classified {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

function classify(error: unknown): Classified {
  if (error instanceof NotFoundError) {
    return { status: 404, code: error.code, message: error.message, details: { entity: error.entity, id: error.id } };
  }
  if (error instanceof ValidationError) {
    return { status: 400, code: error.code, message: error.message, details: { entity: error.entity, issues: error.issues.map(withoutValue) } };
  }
  if (error instanceof InvalidQueryError) {
    return { status: 400, code: error.code, message: error.message, details: { key: error.key, allowed: error.allowed } };
  }
  if (error instanceof ConcurrencyError) {
    return { status: 409, code: error.code, message: error.message, details: { entity: error.entity, ids: error.ids } };
  }
  if (error instanceof UniqueViolationError) {
    const what = error.columns.length ? error.columns.join(", ") : "a unique key";
    return { status: 409, code: error.code, message: `a row with this ${what} already exists`, details: { constraint: error.constraint, columns: error.columns } };
  }
  if (error instanceof ForeignKeyViolationError) {
    const stillReferenced = /is (still )?referenced/.test(error.detail ?? "");
    return stillReferenced
      ? { status: 409, code: error.code, message: "the row is still referenced by other rows", details: { constraint: error.constraint, table: error.table } }
      : { status: 422, code: error.code, message: `a referenced row does not exist (${error.columns.join(", ") || "foreign key"})`, details: { constraint: error.constraint, columns: error.columns } };
  }
  if (error instanceof NotNullViolationError) {
    return { status: 422, code: error.code, message: `${error.column ?? "a required field"} is required`, details: { table: error.table, column: error.column } };
  }
  if (error instanceof CheckViolationError) {
    return { status: 422, code: error.code, message: "a value breaks a rule of the table", details: { constraint: error.constraint, table: error.table } };
  }
  if (error instanceof UnsupportedMappingError) {
    return { status: 400, code: error.code, message: error.message };
  }
  if (error instanceof InvalidValueError) {
    return { status: 400, code: error.code, message: "a value does not fit its column", details: { sqlState: error.sqlState } };
  }
  if (error instanceof PermissionDeniedError && error.rowLevelSecurity) {
    // a missing GRANT is the deployment's mistake, not the client's: it stays a 500
    return { status: 403, code: error.code, message: "the request may not write this row", details: { table: error.table ?? rlsTable(error.message) } };
  }
  if (error instanceof SerializationFailureError || error instanceof DeadlockError) {
    return { status: 409, code: error.code, message: "the request conflicted with a concurrent one; retry it" };
  }
  if (error instanceof UnitOfWorkTimeoutError || error instanceof StatementTimeoutError || error instanceof ConnectionLostError) {
    return { status: 503, code: error.code, message: "the database did not answer in time; nothing was saved, retry later", headers: { "Retry-After": "1" } };
  }
  if (error instanceof UnitOfWorkAbortedError) {
    // The client went away (nobody reads this) or the server is shutting down.
    return { status: 503, code: error.code, message: "the request was cancelled; nothing was saved", headers: { "Retry-After": "1" } };
  }
  const exposed = exposedHttpError(error);
  if (exposed) return exposed;
  return { status: 500, code: "INTERNAL_ERROR", message: "Internal Server Error" };
}

/** Framework and body-parser errors that declare a client status (http-errors convention). */
function exposedHttpError(error: unknown): Classified | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown; code?: unknown };
  const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status > 499 || e.expose === false) return undefined;
  const message = typeof e.message === "string" && e.message.length <= 200 ? e.message : "Bad Request";
  return { status, code: typeof e.code === "string" ? e.code : "BAD_REQUEST", message };
}

function withoutValue(issue: ValidationIssue): Omit<ValidationIssue, "value"> {
  // The offending value is left out: it may be a password or a large payload.
  const { value: _value, children, ...rest } = issue;
  return children?.length ? { ...rest, children: children.map(withoutValue) } : rest;
}

/** The table a row-level security refusal names (`… policy for table "functions"`). */
function rlsTable(message: string): string | undefined {
  return /for table "([^"]+)"/.exec(message)?.[1];
}
