/** Context every unitwork error may carry: the statement that failed and its bound parameters. */
export interface ErrorDetails {
  /** The original error (from the driver, TypeORM or the application); becomes the error's `cause`. */
  cause?: unknown;
  /** The SQL of the statement that failed. */
  sql?: string;
  /** The bound parameters of that statement. */
  parameters?: readonly unknown[];
}

/**
 * The root of every error unitwork throws. `code` is stable and safe to switch on; `cause` keeps the
 * original (driver or application) error; `sql` and `parameters` say what was running.
 *
 * @example
 * ```ts
 * import { UnitworkError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.repository(User).create({ email: "ada@example.com" }));
 * } catch (error) {
 *   if (!(error instanceof UnitworkError)) throw error;
 *   uw.logger.warn({ code: error.code, sql: error.sql, cause: error.cause }, error.message);
 * }
 * ```
 */
export class UnitworkError extends Error {
  /** Stable machine-readable code, e.g. `"NOT_FOUND"`, `"UNIQUE_VIOLATION"`; each subclass has its own. */
  readonly code: string = "UNITWORK_ERROR";
  /** The SQL of the statement that failed; `undefined` when no statement failed (or it is not known). */
  readonly sql?: string;
  /** The statement's bound parameters; `undefined` when not known. */
  readonly parameters?: readonly unknown[];

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    if (details.sql !== undefined) this.sql = details.sql;
    if (details.parameters !== undefined) this.parameters = details.parameters;
  }
}
