import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/** Fields PostgreSQL reports with an error, kept on every database error. */
export interface DatabaseErrorDetails extends ErrorDetails {
  sqlState?: string;
  constraint?: string;
  table?: string;
  column?: string;
  detail?: string;
  /** Row index in a bulk call, where the server's message lets us tell which row failed. */
  rowIndex?: number;
}

/** Any error the server returned. Subclasses name the ones callers handle. */
export class DatabaseError extends UnitworkError {
  override readonly code: string = "DATABASE_ERROR";
  readonly sqlState?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  readonly detail?: string;
  rowIndex?: number;

  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, details);
    this.sqlState = details.sqlState;
    this.constraint = details.constraint;
    this.table = details.table;
    this.column = details.column;
    this.detail = details.detail;
    this.rowIndex = details.rowIndex;
  }
}

/** 23505: a unique constraint; `constraint` and `columns` say which. */
export class UniqueViolationError extends DatabaseError {
  override readonly code = "UNIQUE_VIOLATION";
  /** Columns of the violated key, parsed from the server's detail (`Key (a, b)=(…) already exists.`). */
  readonly columns: string[];
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, details);
    this.columns = keyColumns(details.detail);
  }
}

/** 23503 (or 23001, ON DELETE RESTRICT): a foreign key; `constraint` and `columns` say which. */
export class ForeignKeyViolationError extends DatabaseError {
  override readonly code = "FOREIGN_KEY_VIOLATION";
  readonly columns: string[];
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, details);
    this.columns = keyColumns(details.detail);
  }
}

/** 23502: a NOT NULL column got null. */
export class NotNullViolationError extends DatabaseError {
  override readonly code = "NOT_NULL_VIOLATION";
}

/** 23514: a CHECK constraint. */
export class CheckViolationError extends DatabaseError {
  override readonly code = "CHECK_VIOLATION";
}

/** 40001: retried by units of work with `retry`; thrown when attempts run out. */
export class SerializationFailureError extends DatabaseError {
  override readonly code = "SERIALIZATION_FAILURE";
}

/** 40P01: retried like a serialization failure. */
export class DeadlockError extends DatabaseError {
  override readonly code = "DEADLOCK";
}

/** 57014: statement_timeout or a cancel request. */
export class StatementTimeoutError extends DatabaseError {
  override readonly code = "STATEMENT_TIMEOUT";
}

/** The server or network dropped the connection (57P01, 08xxx, a released query runner after a kill). */
export class ConnectionLostError extends DatabaseError {
  override readonly code = "CONNECTION_LOST";
}

function keyColumns(detail: string | undefined): string[] {
  const match = detail ? /^Key \(([^)]*)\)/.exec(detail) : null;
  return match ? match[1]!.split(",").map((c) => c.trim().replace(/^"|"$/g, "")) : [];
}
