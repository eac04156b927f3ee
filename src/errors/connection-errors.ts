import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/**
 * unitwork cannot connect to PostgreSQL at all: the server refused the connection, the host is
 * unknown, the credentials or the database are wrong, or no pooled connection came in time.
 * `setting` names what to check.
 *
 * @example
 * ```ts
 * import { ConnectionError, createUnitwork } from "unitwork";
 *
 * try {
 *   await createUnitwork({ dataSource });
 * } catch (e) {
 *   if (e instanceof ConnectionError) console.error(`${e.message} (check ${e.setting})`);
 *   throw e;
 * }
 * ```
 */
export class ConnectionError extends UnitworkError {
  override readonly code = "CONNECTION_FAILED";

  /**
   * @param message What went wrong, in words.
   * @param setting The setting to check, in words (e.g. `the host and port (DATABASE_URL, or PGHOST/PGPORT)`).
   * @param details Optional `cause` (the driver's error), `sql` and `parameters`.
   */
  constructor(message: string, readonly setting: string, details: ErrorDetails = {}) {
    super(message, details);
  }
}

/**
 * The connection died after COMMIT was sent and before its answer came: the transaction may or may
 * not have committed. The caller must not assume either outcome (check, or make the work idempotent);
 * unitwork never retries it. `cause` is the `ConnectionLostError`.
 *
 * @example
 * ```ts
 * import { CommitOutcomeUnknownError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.repository(Transfer).create({ reference, amount }));
 * } catch (e) {
 *   if (!(e instanceof CommitOutcomeUnknownError)) throw e;
 *   // applied or not: look it up before trying again
 *   if (!(await uw.repositories.create(Transfer).exists({ reference }))) await retryTransfer(reference, amount);
 * }
 * ```
 */
export class CommitOutcomeUnknownError extends UnitworkError {
  override readonly code = "COMMIT_OUTCOME_UNKNOWN";
}
