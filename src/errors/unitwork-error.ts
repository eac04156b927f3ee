/** Context every unitwork error may carry: the statement that failed and its bound parameters. */
export interface ErrorDetails {
  cause?: unknown;
  sql?: string;
  parameters?: readonly unknown[];
}

/**
 * The root of every error unitwork throws. `code` is stable and safe to switch on; `cause` keeps the
 * original (driver or application) error; `sql` and `parameters` say what was running.
 *
 * @example
 * try { await users.create({ email: "taken@x.co" }); }
 * catch (e) { if (e instanceof UnitworkError && e.code === "UNIQUE_VIOLATION") ... }
 */
export class UnitworkError extends Error {
  readonly code: string = "UNITWORK_ERROR";
  readonly sql?: string;
  readonly parameters?: readonly unknown[];

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    if (details.sql !== undefined) this.sql = details.sql;
    if (details.parameters !== undefined) this.parameters = details.parameters;
  }
}
