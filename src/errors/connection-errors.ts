import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/**
 * unitwork cannot connect to PostgreSQL at all: the server refused the connection, the host is
 * unknown, the credentials or the database are wrong, or no pooled connection came in time.
 * `setting` names what to check.
 *
 * @example
 * try {
 *   await createUnitwork({ dataSource });
 * } catch (e) {
 *   if (e instanceof ConnectionError) console.error(`${e.message} (check ${e.setting})`);
 * }
 */
export class ConnectionError extends UnitworkError {
  override readonly code = "CONNECTION_FAILED";

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
 * try {
 *   await uw.unitOfWork.run(() => transfers.create({ id: transferId, amount }));
 * } catch (e) {
 *   if (e instanceof CommitOutcomeUnknownError) await reconcile(transferId); // applied or not: look it up
 * }
 */
export class CommitOutcomeUnknownError extends UnitworkError {
  override readonly code = "COMMIT_OUTCOME_UNKNOWN";
}
