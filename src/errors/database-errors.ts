import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/** Fields PostgreSQL reports with an error, kept on every database error. */
export interface DatabaseErrorDetails extends ErrorDetails {
  /** The five-character SQLSTATE, e.g. `"23505"`. */
  sqlState?: string;
  /** Name of the violated constraint. */
  constraint?: string;
  /** Table the error is about. */
  table?: string;
  /** Column the error is about. */
  column?: string;
  /** The server's DETAIL line, e.g. `Key (email)=(ada@example.com) already exists.` */
  detail?: string;
  /** Row index in a bulk call, where the server's message lets us tell which row failed. */
  rowIndex?: number;
}

/**
 * Any error the server returned, with its SQLSTATE and the fields PostgreSQL reports (`constraint`,
 * `table`, `column`, `detail`); the driver's error is the `cause`. Subclasses name the ones callers handle.
 *
 * @example
 * ```ts
 * import { DatabaseError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1 / 0"));
 * } catch (error) {
 *   if (error instanceof DatabaseError) console.log(error.sqlState, error.message); // "22012" "division by zero"
 * }
 * ```
 */
export class DatabaseError extends UnitworkError {
  override readonly code: string = "DATABASE_ERROR";
  /** The five-character SQLSTATE (e.g. `"23505"`); `undefined` when the failure was client-side (a dropped connection). */
  readonly sqlState?: string;
  /** Name of the violated constraint; `undefined` when the server named none. */
  readonly constraint?: string;
  /** Table the error is about; `undefined` when the server named none. */
  readonly table?: string;
  /** Column the error is about (e.g. for a NOT NULL violation); `undefined` when the server named none. */
  readonly column?: string;
  /** The server's DETAIL line (e.g. `Key (email)=(ada@example.com) already exists.`); `undefined` when there was none. */
  readonly detail?: string;
  /** Index of the failing row in a bulk call, when the server's message tells which row; otherwise `undefined`. */
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

/**
 * 23505: a unique constraint; `constraint` and `columns` say which (`mapError` answers 409).
 *
 * @example
 * ```ts
 * import { UniqueViolationError } from "unitwork";
 *
 * try {
 *   await users.create({ email: "ada@example.com" }); // taken
 * } catch (error) {
 *   if (error instanceof UniqueViolationError) console.log(error.constraint, error.columns); // "uq_users_email" ["email"]
 * }
 * ```
 */
export class UniqueViolationError extends DatabaseError {
  override readonly code = "UNIQUE_VIOLATION";
  /** Columns of the violated key, parsed from the server's detail (`Key (a, b)=(…) already exists.`). */
  readonly columns: string[];
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, details);
    this.columns = keyColumns(details.detail);
  }
}

/**
 * 23503 (or 23001, ON DELETE RESTRICT): a foreign key; `constraint` and `columns` say which. A missing
 * referenced row and a row that is still referenced both land here; `detail` tells them apart.
 *
 * @example
 * ```ts
 * import { ForeignKeyViolationError } from "unitwork";
 *
 * try {
 *   await functions.create({ userId: 999_999, name: "resize-image" }); // no such user
 * } catch (error) {
 *   if (error instanceof ForeignKeyViolationError) console.log(error.constraint, error.columns); // "fk_functions_user" ["user_id"]
 * }
 * ```
 */
export class ForeignKeyViolationError extends DatabaseError {
  override readonly code = "FOREIGN_KEY_VIOLATION";
  /** Columns of the foreign key, parsed from the server's detail (`Key (a)=(…) is not present …`). */
  readonly columns: string[];
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, details);
    this.columns = keyColumns(details.detail);
  }
}

/**
 * 23502: a NOT NULL column got null; `table` and `column` say which.
 *
 * @example
 * ```ts
 * import { NotNullViolationError } from "unitwork";
 *
 * await uw.unitOfWork
 *   .run((ctx) => ctx.manager.query("UPDATE users SET email = NULL WHERE id = $1", [1]))
 *   .catch((error: unknown) => {
 *     if (error instanceof NotNullViolationError) console.log(error.table, error.column); // "users" "email"
 *     else throw error;
 *   });
 * ```
 */
export class NotNullViolationError extends DatabaseError {
  override readonly code = "NOT_NULL_VIOLATION";
}

/**
 * 23514: a CHECK constraint; `constraint` names it.
 *
 * @example
 * ```ts
 * import { CheckViolationError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run(async (ctx) => {
 *     await ctx.manager.query("CREATE TEMP TABLE t (n int CHECK (n > 0))");
 *     await ctx.manager.query("INSERT INTO t VALUES (-1)");
 *   });
 * } catch (error) {
 *   if (error instanceof CheckViolationError) console.log(error.constraint); // "t_n_check"
 * }
 * ```
 */
export class CheckViolationError extends DatabaseError {
  override readonly code = "CHECK_VIOLATION";
}

/**
 * 40001: retried by units of work with `retry`; thrown when attempts run out (or without `retry`).
 *
 * @example
 * ```ts
 * import { SerializationFailureError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run(
 *     (ctx) => ctx.repository(FunctionEntity).update(1, { name: "resize-image-v2" }),
 *     { isolation: "SERIALIZABLE", retry: { attempts: 5 } },
 *   );
 * } catch (error) {
 *   if (error instanceof SerializationFailureError) console.warn("still conflicting after 5 attempts");
 * }
 * ```
 */
export class SerializationFailureError extends DatabaseError {
  override readonly code = "SERIALIZATION_FAILURE";
}

/**
 * 40P01: the server broke a deadlock by failing this transaction; retried like a serialization failure.
 *
 * @example
 * ```ts
 * import { DeadlockError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run(async (ctx) => {
 *     await ctx.repository(User).update(1, { isActive: false });
 *     await ctx.repository(User).update(2, { isActive: false });
 *   }, { retry: { attempts: 3 } });
 * } catch (error) {
 *   if (error instanceof DeadlockError) console.warn("deadlocked 3 times: lock rows in one order, e.g. by id");
 * }
 * ```
 */
export class DeadlockError extends DatabaseError {
  override readonly code = "DEADLOCK";
}

/**
 * 55P03: the statement waited for a lock longer than `lock_timeout` (`UnitOfWorkOptions.lockTimeoutMs`)
 * and was cancelled; the unit of work rolled back. Not retried by default: the lock holder may still hold it.
 *
 * @example
 * ```ts
 * import { LockTimeoutError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.manager.query("UPDATE account SET balance = balance - 5 WHERE id = $1", [7]), { lockTimeoutMs: 500 });
 * } catch (error) {
 *   if (error instanceof LockTimeoutError) console.warn("account 7 is locked by another unit of work; try again later");
 * }
 * ```
 */
export class LockTimeoutError extends DatabaseError {
  override readonly code = "LOCK_TIMEOUT";
}

/**
 * 42501 (insufficient_privilege): the database refused the statement for the connection's role — a
 * row-level security policy refused a row (`new row violates row-level security policy`, then
 * `rowLevelSecurity` is `true` and `mapError` answers 403), or the role lacks a GRANT (a deployment
 * mistake: `mapError` answers 500 and the error is logged).
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "unitwork";
 *
 * const refused = await uw.unitOfWork
 *   .run((ctx) => ctx.repository(FunctionEntity).create({ organizationId: otherTenant, userId, name: "x" }), { settings: { "app.tenant_id": "7" } })
 *   .catch((error: unknown) => error);
 * if (refused instanceof PermissionDeniedError && refused.rowLevelSecurity) console.warn("not this tenant's row");
 * ```
 */
export class PermissionDeniedError extends DatabaseError {
  override readonly code = "PERMISSION_DENIED";

  /**
   * Whether a row-level security policy refused the row (rather than a missing privilege): the server
   * function that raised it (`ExecWithCheckOptions`, whatever the server's message language), else
   * the English message.
   */
  get rowLevelSecurity(): boolean {
    const cause = this.cause as { routine?: unknown; driverError?: { routine?: unknown } } | undefined;
    const routine = cause?.driverError?.routine ?? cause?.routine;
    return routine === "ExecWithCheckOptions" || /row-level security/i.test(this.message);
  }
}

/**
 * 57014: `statement_timeout` (or a cancel request) stopped the statement.
 *
 * @example
 * ```ts
 * import { StatementTimeoutError } from "unitwork";
 *
 * await uw.unitOfWork.run(async (ctx) => {
 *   await ctx.manager.query("SET LOCAL statement_timeout = 100");
 *   await ctx.manager.query("SELECT pg_sleep(1)"); // rejects with StatementTimeoutError
 * }).catch((error: unknown) => {
 *   if (!(error instanceof StatementTimeoutError)) throw error;
 * });
 * ```
 */
export class StatementTimeoutError extends DatabaseError {
  override readonly code = "STATEMENT_TIMEOUT";
}

/**
 * SQLSTATE class 22 (data exception): a value the column cannot hold reached the server (a number out
 * of range, text too long, malformed input for the type). A client error: unitwork checks the values
 * it knows how to check before any SQL, so this is what is left over.
 *
 * @example
 * ```ts
 * import { InvalidValueError } from "unitwork";
 *
 * const failed = await logs.bulkInsert(rows, { validate: false }).catch((e: unknown) => e);
 * if (failed instanceof InvalidValueError) console.warn(failed.sqlState, failed.message); // e.g. 22001
 * ```
 */
export class InvalidValueError extends DatabaseError {
  override readonly code = "INVALID_VALUE";
}

/**
 * The server or network dropped the connection (57P01, 08xxx, a released query runner after a kill).
 * The unit of work did not commit; its connection is released.
 *
 * @example
 * ```ts
 * import { ConnectionLostError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_terminate_backend(pg_backend_pid())"));
 * } catch (error) {
 *   if (error instanceof ConnectionLostError) console.warn("connection lost; nothing was committed");
 * }
 * ```
 */
export class ConnectionLostError extends DatabaseError {
  override readonly code = "CONNECTION_LOST";
}

function keyColumns(detail: string | undefined): string[] {
  const match = detail ? /^Key \((.*?)\)=\(/.exec(detail) : null;
  // "Key (email)", "Key (user_id, name)", and for an expression index "Key (lower(email::text))"
  return match ? match[1]!.split(",").map((c) => c.trim().replace(/^\w+\((.*)\)$/, "$1").replace(/::[\w ]+$/, "").replace(/^"|"$/g, "")) : [];
}
