import type { EntityManager, QueryRunner } from "typeorm";
import { IllegalTransactionStateError } from "../errors";
import type { Frame } from "../unit-of-work";
import type { RepositoryCore } from "./repository-core";

/** The parts of pg's client the connection watches. */
interface PgClient {
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * The connection one stream runs its statements on: the transaction of the unit of work it was
 * opened in, or a pooled connection of its own in a `REPEATABLE READ, READ ONLY` transaction (one
 * snapshot for the cursor and for every batch's relations), ended and released by `end`. Every
 * statement goes through the repository core (call site, typed errors). @internal
 */
export class StreamConnection {
  /** Set by `end`: the stream runs no more statements. */
  #ended = false;
  #lateErrors?: (error: Error) => void;

  private constructor(
    readonly core: RepositoryCore,
    readonly runner: QueryRunner,
    /** The unit of work whose transaction the stream uses; `undefined` for a transaction of its own. */
    readonly unit: Frame | undefined,
  ) {}

  /** In the unit of work `frame` (its transaction), else in a read-only transaction of its own. */
  static async open(core: RepositoryCore, frame: Frame | undefined): Promise<StreamConnection> {
    if (frame?.transaction) {
      const connection = new StreamConnection(core, frame.transaction.queryRunner, frame);
      connection.check();
      return connection;
    }
    const dataSource = core.dataSource;
    const runner = dataSource.createQueryRunner(dataSource.defaultReplicationModeForReads());
    const connection = new StreamConnection(core, runner, undefined);
    try {
      await core.execute(() => runner.connect());
      connection.#watchLateErrors();
      await core.execute(async () => {
        await runner.startTransaction("REPEATABLE READ");
        await runner.query("SET TRANSACTION READ ONLY");
      });
    } catch (error) {
      await connection.end(error);
      throw error;
    }
    return connection;
  }

  /** The manager of the connection, for statements built with TypeORM's query builder. */
  get manager(): EntityManager {
    return this.runner.manager;
  }

  /** Throws `IllegalTransactionStateError` once the stream's unit of work (or its own transaction) has ended. */
  check(): void {
    if (this.unit?.ended) {
      throw new IllegalTransactionStateError(`this ${this.core.metadata.name} stream belongs to unit of work ${this.unit.id}, which has ended (its cursor closed with the transaction); consume a stream inside the unit of work it was opened in`);
    }
    if (this.#ended) throw new IllegalTransactionStateError(`this ${this.core.metadata.name} stream has ended`);
  }

  /** Runs one statement; returns its rows. */
  async query(sql: string, parameters: unknown[] = []): Promise<Record<string, unknown>[]> {
    this.check();
    const result = await this.core.execute(() => this.runner.query(sql, parameters, true));
    return (result.records ?? []) as Record<string, unknown>[];
  }

  /** Whether the transaction still takes statements (not ended, not aborted by a failed statement). */
  get usable(): boolean {
    if (this.#ended || this.runner.isReleased) return false;
    if (this.unit) return !this.unit.ended && !this.unit.transaction!.failed;
    return true;
  }

  /**
   * Ends the stream's own transaction (COMMIT, or ROLLBACK after `error`) and releases its
   * connection; a connection that fails to end is destroyed, not pooled. In a unit of work there is
   * nothing to end: the unit's transaction goes on.
   */
  async end(error?: unknown): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.unit) return;
    const runner = this.runner;
    if (runner.isReleased) return; // TypeORM released it after a connection error: the pool destroys it
    try {
      if (runner.isTransactionActive) {
        if (error === undefined) await this.core.execute(() => runner.commitTransaction());
        else await this.core.execute(() => runner.rollbackTransaction());
      }
    } catch (endError) {
      await (runner as unknown as { releasePostgresConnection(err: unknown): Promise<void> }).releasePostgresConnection(endError);
      if (error === undefined) throw endError;
      return;
    }
    const client = (runner as unknown as { databaseConnection?: PgClient }).databaseConnection;
    if (this.#lateErrors) client?.removeListener("error", this.#lateErrors);
    await runner.release();
  }

  /**
   * A backend killed under the stream makes pg emit 'error' more than once, and TypeORM removes its
   * listener after the first: without one, the next would crash the process. The failing statement
   * reports the error; the later ones say nothing more.
   */
  #watchLateErrors(): void {
    const client = (this.runner as unknown as { databaseConnection?: PgClient }).databaseConnection;
    if (!client) return;
    this.#lateErrors = () => undefined;
    client.on("error", this.#lateErrors);
  }
}
