import {
  ConcurrencyError,
  ConnectionLostError,
  DeadlockError,
  ForeignKeyViolationError,
  InvalidQueryError,
  NotFoundError,
  SerializationFailureError,
  StatementTimeoutError,
  UniqueViolationError,
  UnitOfWorkAbortedError,
  UnitOfWorkTimeoutError,
  ValidationError,
  type ValidationIssue,
} from "../errors";

/** The JSON body of an error response: a stable `code`, a message safe to show, optional details and the request id. */
export interface HttpErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

/** What {@link mapError} answers: the status, the JSON body and extra headers to send. */
export interface HttpErrorResponse {
  status: number;
  body: HttpErrorBody;
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
 * | `ForeignKeyViolationError`: the row is still referenced (a delete) | 409 |
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
