import type { QueryRunner } from "typeorm";
import type { Deadline } from "./deadline";
import type { Frame } from "./frame";
import type { IsolationLevel } from "./unit-of-work-options";

/** One physical database transaction on one pooled connection, shared by the scopes that joined it. @internal */
export class Transaction {
  /** The error of the last statement that failed in it (PostgreSQL aborts the transaction then). */
  lastError: unknown;
  /** Frames of the savepoints open now, innermost last. */
  readonly savepoints: Frame[] = [];
  /** The cancel request sent at the deadline, if any. */
  cancelling?: Promise<void>;

  constructor(
    readonly queryRunner: QueryRunner,
    readonly isolation: IsolationLevel | undefined,
    readonly readOnly: boolean,
    readonly deadline: Deadline | undefined,
  ) {}

  /** PostgreSQL's own word: `E` means a statement failed and only ROLLBACK is possible. */
  get failed(): boolean {
    const client = (this.queryRunner as unknown as { databaseConnection?: { getTransactionStatus?: () => string | null } }).databaseConnection;
    return client?.getTransactionStatus?.() === "E";
  }

  /** The server process id of the connection, used to cancel the statement in flight. */
  get backendPid(): number | undefined {
    return (this.queryRunner as unknown as { databaseConnection?: { processID?: number } }).databaseConnection?.processID ?? undefined;
  }
}
