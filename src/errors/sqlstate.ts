import {
  CheckViolationError,
  ConnectionLostError,
  DatabaseError,
  DeadlockError,
  ForeignKeyViolationError,
  InvalidValueError,
  LockTimeoutError,
  NotNullViolationError,
  PermissionDeniedError,
  SerializationFailureError,
  StatementTimeoutError,
  UniqueViolationError,
  type DatabaseErrorDetails,
} from "./database-errors";
import { ConnectionError } from "./connection-errors";
import { UnitworkError } from "./unitwork-error";

type DatabaseErrorClass = new (message: string, details?: DatabaseErrorDetails) => DatabaseError;

/**
 * The one SQLSTATE → error class table. Class 08 (connection exception) and class 22 (data exception)
 * are matched by prefix.
 */
const BY_SQLSTATE: Record<string, DatabaseErrorClass> = {
  "23505": UniqueViolationError,
  "23503": ForeignKeyViolationError,
  "23001": ForeignKeyViolationError, // restrict_violation: ON DELETE RESTRICT
  "23502": NotNullViolationError,
  "23514": CheckViolationError,
  "40001": SerializationFailureError,
  "42501": PermissionDeniedError,
  "40P01": DeadlockError,
  "55P03": LockTimeoutError,
  "57014": StatementTimeoutError,
  "57P01": ConnectionLostError,
  "57P02": ConnectionLostError,
  "57P03": ConnectionLostError,
};

/** Messages of client-side failures that mean the connection is gone (pg, pg-pool, TypeORM). */
const CONNECTION_LOST = [
  /Connection terminated/i,
  /terminating connection/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /ECONNRESET|ECONNREFUSED|EPIPE/,
  /Query runner already released/i,
  /connection provided by a query runner was already released/i,
];

/** TypeORM's errors for a query runner whose connection was dropped under it. */
const RELEASED_RUNNER = new Set(["QueryRunnerAlreadyReleasedError", "QueryRunnerProviderAlreadyReleasedError"]);

interface DriverErrorShape {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  detail?: unknown;
  query?: unknown;
  parameters?: unknown;
  driverError?: unknown;
  name?: unknown;
}

/**
 * Maps an error from pg or TypeORM to the unitwork error hierarchy, keeping the original as `cause`.
 * Returns `undefined` for errors that did not come from the database (application errors), and the
 * error itself when it already is a `UnitworkError`.
 *
 * @internal
 */
export function translateDatabaseError(error: unknown, statement?: { sql?: string; parameters?: readonly unknown[] }): UnitworkError | undefined {
  if (error instanceof UnitworkError) return error;
  if (!(error instanceof Error)) return undefined;
  const shape = error as DriverErrorShape;
  const driver = (typeof shape.driverError === "object" && shape.driverError !== null ? shape.driverError : shape) as DriverErrorShape;
  const sql = statement?.sql ?? (typeof shape.query === "string" ? shape.query : undefined);
  const parameters = statement?.parameters ?? (Array.isArray(shape.parameters) ? shape.parameters : undefined);
  const sqlState = typeof driver.code === "string" && /^[0-9A-Z]{5}$/.test(driver.code) ? driver.code : undefined;
  const message = typeof driver.message === "string" ? driver.message : error.message;
  const details: DatabaseErrorDetails = {
    cause: error,
    sql,
    parameters,
    sqlState,
    constraint: str(driver.constraint),
    table: str(driver.table),
    column: str(driver.column),
    detail: str(driver.detail),
  };
  if (sqlState) {
    const ErrorClass = BY_SQLSTATE[sqlState] ?? (sqlState.startsWith("08") ? ConnectionLostError : sqlState.startsWith("22") ? InvalidValueError : DatabaseError);
    return new ErrorClass(message, details);
  }
  if (/timeout exceeded when trying to connect/i.test(message)) {
    return new ConnectionError("no pooled connection became free in time (pg-pool's connectionTimeoutMillis)", "the pool size (DB_POOL_MAX) or DB_CONNECT_TIMEOUT_MS", details);
  }
  if (RELEASED_RUNNER.has(String(shape.name)) || CONNECTION_LOST.some((re) => re.test(message))) {
    return new ConnectionLostError(message, details);
  }
  if (shape.name === "QueryFailedError") return new DatabaseError(message, details);
  return undefined;
}

/** Like `translateDatabaseError`, but application errors pass through unchanged. @internal */
export function toUnitworkError(error: unknown, statement?: { sql?: string; parameters?: readonly unknown[] }): unknown {
  return translateDatabaseError(error, statement) ?? error;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
