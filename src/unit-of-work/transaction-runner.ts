import type { DataSource } from "typeorm";
import { ConnectionLostError, toUnitworkError } from "../errors";
import type { UnitworkLogger } from "../config";
import { cancelStatementInFlight } from "./cancel-backend-statement";
import type { Deadline } from "./deadline";
import type { ContextStore } from "./execution-context";
import type { ReplicaRouter } from "./replica-router";
import type { PgClient } from "./replica-server";
import { Transaction } from "./transaction";
import { settingsStatement, type TransactionSettings } from "./transaction-settings";
import type { UnitOfWorkOptions } from "./unit-of-work-options";

/**
 * The SQL side of a unit of work: connect, BEGIN, SAVEPOINT, COMMIT, ROLLBACK, release and cancel.
 * Its statements run outside any frame (so the statement gate never refuses them), and their errors
 * leave it translated to the unitwork hierarchy. @internal
 */
export class TransactionRunner {
  readonly #dataSource: DataSource;
  readonly #context: ContextStore;
  readonly #logger: UnitworkLogger;
  readonly #router: ReplicaRouter | undefined;
  /** Connections that have the late-error listener (one for the connection's life, not one per unit). */
  readonly #watched = new WeakSet<object>();

  constructor(dataSource: DataSource, context: ContextStore, logger: UnitworkLogger, router?: ReplicaRouter) {
    this.#dataSource = dataSource;
    this.#context = context;
    this.#logger = logger;
    this.#router = router;
  }

  /**
   * A pooled connection with an open transaction, `options.settings` applied (the caller merged the
   * defaults in); at the deadline the wait for the pool is given up. With replicas, a `readOnly` unit
   * asks for a replica (the router picks one, or the primary).
   */
  async begin(options: UnitOfWorkOptions, deadline: Deadline | undefined): Promise<Transaction> {
    const router = this.#router;
    // A hot standby cannot run SERIALIZABLE transactions: those stay on the primary.
    const routed = router !== undefined && options.readOnly === true && options.isolation !== "SERIALIZABLE";
    const queryRunner = this.#dataSource.createQueryRunner(routed ? "slave" : "master");
    const settings: TransactionSettings = options.settings ?? {};
    const tx = new Transaction(queryRunner, options.isolation, options.readOnly ?? false, deadline, settings);
    const connecting = routed ? this.#routedConnect(() => queryRunner.connect()) : this.#control(() => queryRunner.connect());
    try {
      await (deadline ? deadline.race(connecting) : connecting);
    } catch (error) {
      // The deadline passed while waiting for the pool: hand the connection back once it arrives.
      connecting.then(() => this.release(tx), () => undefined).catch((e: unknown) => this.#logger.error({ err: e }, "releasing a late connection failed"));
      throw error;
    }
    this.#watchLateErrors(tx);
    if (router) {
      tx.server = router.serverOf(tx.connection);
      // only a read-write unit on the primary moves the session's read-your-writes position
      if (!tx.readOnly && router.options.consistency === "session") tx.session = this.#context.current.session;
    }
    const starting = this.#control(async () => {
      await queryRunner.startTransaction(options.isolation);
      if (options.readOnly) await queryRunner.query("SET TRANSACTION READ ONLY");
      // A positive integer (checkUnitOfWorkOptions), so it is safe in the statement text.
      if (options.lockTimeoutMs !== undefined) {
        await queryRunner.query(`SET LOCAL lock_timeout = ${options.lockTimeoutMs}`);
        tx.lockTimeoutMs = options.lockTimeoutMs;
      }
      // set_config(…, true): transaction-local, so nothing outlives the transaction on the connection
      const applying = settingsStatement(settings);
      if (applying) await queryRunner.query(applying.sql, applying.parameters);
    });
    try {
      // Behind PgBouncer the wait for a server connection is here, at the first statement (which
      // PgBouncer queues): the deadline bounds it like the wait for the pool.
      await (deadline ? deadline.race(starting) : starting);
    } catch (error) {
      // At the deadline the connection is closed, not returned: its statement may still be queued
      // (PgBouncer drops a waiting client that goes away). A statement that failed (a setting the
      // server refuses) left an aborted transaction, which must not go back to the pool.
      if (deadline?.expired) await this.release(tx, error);
      else await this.rollback(tx, error, "(beginning)");
      throw error;
    }
    return tx;
  }

  savepoint(tx: Transaction, name: string): Promise<void> {
    return this.#control(() => tx.queryRunner.query(`SAVEPOINT ${name}`));
  }

  releaseSavepoint(tx: Transaction, name: string): Promise<void> {
    return this.#control(() => tx.queryRunner.query(`RELEASE SAVEPOINT ${name}`));
  }

  async rollbackToSavepoint(tx: Transaction, name: string, depth: number): Promise<void> {
    await this.#control(() => tx.queryRunner.query(`ROLLBACK TO SAVEPOINT ${name}`));
    tx.rolledBackTo(depth);
  }

  /**
   * COMMIT. A connection that was lost before COMMIT could be sent is a `ConnectionLostError` (the
   * server rolled the transaction back); `sending` is called just before COMMIT goes out, so the
   * caller can tell a connection lost after it (the outcome is unknown).
   */
  async commit(tx: Transaction, sending: () => void): Promise<void> {
    if (tx.queryRunner.isReleased) {
      throw new ConnectionLostError("the connection was lost during the unit of work; nothing was committed", { cause: tx.lastError });
    }
    sending();
    await this.#control(() => tx.queryRunner.commitTransaction());
    if (tx.session) await this.#router!.recordCommit(tx.session, tx.connection as unknown as PgClient | undefined);
  }

  /** ROLLBACK (a plain one ends the transaction whatever savepoints are open), then release. */
  async rollback(tx: Transaction, cause: unknown, unitOfWork: string): Promise<void> {
    try {
      if (!tx.queryRunner.isReleased) await this.#control(() => tx.queryRunner.query("ROLLBACK"));
    } catch (rollbackError) {
      // The connection is unusable: destroy it rather than return it to the pool.
      this.#logger.warn({ err: rollbackError, cause, unitOfWork }, "ROLLBACK failed; the connection is discarded");
      await this.release(tx, rollbackError);
      return;
    }
    await this.release(tx);
  }

  /** Returns the connection to the pool, or destroys it when `brokenBy` is given. */
  async release(tx: Transaction, brokenBy?: unknown): Promise<void> {
    const runner = tx.queryRunner as unknown as { releasePostgresConnection?: (err?: unknown) => Promise<void> };
    // Released by TypeORM after a connection error: the client is being destroyed; the late-error
    // listener stays on it until then.
    if (tx.queryRunner.isReleased) return;
    // A cancel request still on its way must not reach the next user of this connection.
    if (tx.cancelling) await tx.cancelling;
    if (brokenBy && runner.releasePostgresConnection) {
      await runner.releasePostgresConnection(brokenBy);
      return;
    }
    await tx.queryRunner.release();
  }

  /**
   * A backend killed under a transaction makes pg emit 'error' more than once, and TypeORM removes its
   * listener after the first: the rest would crash the process. They say nothing the failing statement
   * (or the pool, for an idle connection) does not, so they are logged at debug level. One listener per
   * connection, added the first time a unit of work gets it.
   */
  #watchLateErrors(tx: Transaction): void {
    const connection = tx.connection;
    if (!connection || this.#watched.has(connection)) return;
    this.#watched.add(connection);
    connection.on("error", (error: Error) => this.#logger.debug({ err: error, pid: connection.processID }, "connection error (the statement or the pool also got it)"));
  }

  /**
   * Cancels the statement in flight; `release` waits for a cancel still on its way. Deadlines that
   * pass together share one cancel; a later one (an outer unit's, after it caught an inner unit's
   * timeout) sends its own.
   */
  cancelInFlight(tx: Transaction): Promise<void> {
    const connection = tx.connection;
    if (!connection || tx.queryRunner.isReleased) return Promise.resolve();
    if (!tx.cancelling) {
      const busy = () => !tx.queryRunner.isReleased && connection.readyForQuery === false;
      const cancelling: Promise<void> = cancelStatementInFlight(connection, busy)
        .catch((error: unknown) => {
          // The deadline error is what the caller gets; the failed cancel is worth a log line.
          this.#logger.warn({ err: error, pid: tx.backendPid }, "could not cancel the statement of a timed-out unit of work");
        })
        .finally(() => {
          if (tx.cancelling === cancelling) tx.cancelling = undefined;
        });
      tx.cancelling = cancelling;
    }
    return tx.cancelling;
  }

  /** Connects a routed query runner: outside any frame, but with the caller's session (the router reads it). */
  async #routedConnect<R>(fn: () => Promise<R>): Promise<R> {
    const { session, primary } = this.#context.current;
    try {
      return await this.#context.run({ session, primary }, fn);
    } catch (error) {
      throw toUnitworkError(error);
    }
  }

  /** Runs one of the runner's own statements outside any frame; its error leaves translated. */
  #control<R>(fn: () => Promise<R>): Promise<R> {
    return this.#context.outside(fn).then(undefined, rethrowTranslated);
  }
}

function rethrowTranslated(error: unknown): never {
  throw toUnitworkError(error);
}
