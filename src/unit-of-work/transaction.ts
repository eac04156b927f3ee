import type { QueryRunner } from "typeorm";
import type { CancellableConnection } from "./cancel-backend-statement";
import type { Deadline } from "./deadline";
import type { TransactionSettings } from "./transaction-settings";
import type { ReadSession } from "./read-session";
import type { IsolationLevel } from "./unit-of-work-options";

/** The parts of pg's `Client` a transaction uses. @internal */
export interface PgConnection extends CancellableConnection {
  getTransactionStatus?: () => string | null;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** One physical database transaction on one pooled connection, shared by the scopes that joined it. @internal */
export class Transaction {
  /** The error of the last statement that failed in it (PostgreSQL aborts the transaction then). */
  lastError: unknown;
  /**
   * How many savepoints were open when a statement failed (`undefined`: none failed since the last
   * recovery). Rolling back to a savepoint opened at or below that depth recovers the transaction.
   */
  abortedAtDepth: number | undefined;
  /** The scopes (frames) of the savepoints open now, innermost last; opaque to the transaction. */
  readonly savepoints: object[] = [];
  /** The cancel request on its way after a deadline, if any. */
  cancelling?: Promise<void>;
  /** The `lock_timeout` set at BEGIN (`UnitOfWorkOptions.lockTimeoutMs`), if any. */
  lockTimeoutMs?: number;
  /** The server it runs on: `primary`, or a replica's name (`replica-1`) for a routed read-only unit. */
  server = "primary";
  /** The session whose read-your-writes position its COMMIT moves (read replicas, consistency "session"). */
  session?: ReadSession;

  constructor(
    readonly queryRunner: QueryRunner,
    readonly isolation: IsolationLevel | undefined,
    readonly readOnly: boolean,
    readonly deadline: Deadline | undefined,
    /** The `set_config(…, true)` settings applied at BEGIN (`UnitOfWorkOptions.settings`, defaults merged). */
    readonly settings: TransactionSettings,
  ) {}

  /** A statement failed and was not rolled back to a savepoint: PostgreSQL accepts only ROLLBACK now. */
  get failed(): boolean {
    if (this.abortedAtDepth !== undefined) return true;
    // The server's own word, for failures that bypassed TypeORM (pg's status may lag the error a little,
    // hence the bookkeeping above).
    return this.connection?.getTransactionStatus?.() === "E";
  }

  /** Records a failed statement of this transaction. */
  statementFailed(error: unknown): void {
    this.lastError = error;
    this.abortedAtDepth = Math.min(this.abortedAtDepth ?? Infinity, this.savepoints.length);
  }

  /** After ROLLBACK TO the savepoint that was open at `depth` (1 = the outermost savepoint). */
  rolledBackTo(depth: number): void {
    if (this.abortedAtDepth !== undefined && this.abortedAtDepth >= depth) this.abortedAtDepth = undefined;
  }

  /**
   * The server process id of the connection, for logs and lock sampling. Through PgBouncer it is
   * PgBouncer's stand-in, not a server pid (the cancel request uses it with the secret key).
   */
  get backendPid(): number | undefined {
    return this.connection?.processID ?? undefined;
  }

  /** pg's client under the query runner (once connected). */
  get connection(): PgConnection | undefined {
    return (this.queryRunner as unknown as { databaseConnection?: PgConnection }).databaseConnection;
  }
}
