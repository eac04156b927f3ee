import type { DataSource } from "typeorm";
import type { QueryAnalyzer } from "../analyzer";
import { refuseUnknownOptions, type UnitworkLogger } from "../config";
import { InvalidConfigError } from "../errors";
import type { UnitworkTelemetry } from "../telemetry";
import { healthDetails, type HealthDetails } from "./health-details";
import type { RepositoryFactory } from "../repository";
import { OWN_UNIT_OF_WORK, type ReplicaHealth, type UnitOfWork } from "../unit-of-work";

/** What `uw.health()` found. */
export interface HealthReport {
  /** Whether the server answered. */
  ok: boolean;
  /** Round-trip time of the check, in ms (until the failure when `ok` is `false`). */
  latencyMs: number;
  /** The server's `server_version`, e.g. `"16.4"`; `null` when the check failed. */
  serverVersion: string | null;
  /** The connection pool right now (all 0 when the pool cannot be read). */
  pool: {
    /** Open connections. */
    total: number;
    /** Open connections not in use. */
    idle: number;
    /** Requests waiting for a connection. */
    waiting: number;
  };
  /** The error's message when `ok` is `false`; `undefined` otherwise. */
  error?: string;
  /** With `health({ details: true })`, when the server answered. */
  details?: HealthDetails;
  /**
   * Each read replica, checked now (only when the DataSource has `replication.slaves`). A replica that
   * is down does not make `ok` false: reads fall back to the primary.
   */
  replicas?: ReplicaHealth[];
}

/**
 * Options of `uw.session()`.
 *
 * @example
 * await uw.session(() => users.getById(id), { token: req.get("X-Consistency-Token") });
 */
export interface SessionOptions {
  /** A consistency token from an earlier session (`uw.consistencyToken()`), e.g. sent back by the client. */
  token?: string;
}

/** Options of `uw.health()`. */
export interface HealthOptions {
  /** Add long-running transactions, lock waits, replication lag and sizes (a few catalog queries). Default `false`. */
  details?: boolean;
  /** A transaction open longer than this is listed as long-running (default 5000). */
  longTransactionMs?: number;
}

/** Options of `uw.close()`. */
export interface CloseOptions {
  /**
   * How long to wait for running units of work; then their statements are cancelled and they end with
   * `UnitOfWorkAbortedError` (nothing committed). Default: wait as long as they run.
   */
  timeoutMs?: number;
}

const HEALTH_OPTION_KEYS: readonly (keyof HealthOptions)[] = ["details", "longTransactionMs"];
const CLOSE_OPTION_KEYS: readonly (keyof CloseOptions)[] = ["timeoutMs"];
const SESSION_OPTION_KEYS: readonly (keyof SessionOptions)[] = ["token"];

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * One unitwork instance: a DataSource with its unit of work, repositories and analyzer.
 * Made by `createUnitwork`.
 *
 * @example
 * const uw = await createUnitwork({ dataSource });
 * const users = uw.repositories.create(User);
 * await uw.unitOfWork.run(() => users.create({ email: "ada@example.com" }));
 * console.log(await uw.health()); // { ok: true, latencyMs: 0.8, serverVersion: "16.4", pool: { total: 1, idle: 1, waiting: 0 } }
 * await uw.close();
 */
export class Unitwork {
  #closing?: Promise<void>;

  /** @internal */
  constructor(
    /** The TypeORM DataSource, initialized. */
    readonly dataSource: DataSource,
    /** Runs units of work (transactions) on the DataSource. */
    readonly unitOfWork: UnitOfWork,
    /** Builds and caches repositories (`create`, `register`). */
    readonly repositories: RepositoryFactory,
    /** The logger given to `createUnitwork`, else the default pino logger. */
    readonly logger: UnitworkLogger,
    /** Sees every statement of this DataSource: N+1, duplicate and slow findings per scope. */
    readonly analyzer: QueryAnalyzer,
    /** @internal */
    private readonly telemetry?: UnitworkTelemetry,
  ) {}

  /** @internal the unit of work `@Transactional` finds on a service holding this instance. */
  get [OWN_UNIT_OF_WORK](): UnitOfWork {
    return this.unitOfWork;
  }

  /**
   * Round-trips to the server. Never throws: a failure is `ok: false` with the error's message.
   * `{ details: true }` adds what an operator looks at when it is slow: long-running transactions,
   * lock waits (blocked and blocking pids with their statements), replication lag (when the server
   * has streaming replicas), and the database's and the largest tables' sizes.
   *
   * @example
   * const { ok, details } = await uw.health({ details: true });
   * for (const wait of details?.lockWaits ?? []) console.warn(`${wait.blockedPid} waits for ${wait.blockingPid}`);
   */
  async health(options: HealthOptions = {}): Promise<HealthReport> {
    refuseUnknownOptions(options, HEALTH_OPTION_KEYS, "health");
    const started = performance.now();
    const replicas = this.unitOfWork.replicas?.health();
    let report: HealthReport;
    try {
      const rows: { server_version: string }[] = await this.dataSource.query("SHOW server_version");
      const latencyMs = performance.now() - started;
      report = { ok: true, latencyMs, serverVersion: rows[0]?.server_version ?? null, pool: this.#poolStats() };
      if (options.details) report.details = await healthDetails(this.dataSource, options.longTransactionMs ?? 5000);
    } catch (error) {
      report = { ok: false, latencyMs: performance.now() - started, serverVersion: null, pool: this.#poolStats(), error: error instanceof Error ? error.message : String(error) };
    }
    if (replicas) report.replicas = await replicas;
    return report;
  }

  /**
   * Runs `fn` as one read-your-writes session (read replicas, consistency `"session"`): every read in
   * it sees every commit made in it, because a read goes to a replica only once that replica has
   * replayed the session's latest commit (else, after `replicas.waitMs`, to the primary). Each HTTP
   * request of `withUnitOfWork` and the adapters is a session already. Inside a session, `fn` joins it.
   * `token` carries an earlier session's position across requests (see {@link consistencyToken});
   * a malformed token is an `InvalidQueryError` (400). Without replicas it just runs `fn`.
   *
   * @example
   * const token = await uw.session(async () => {
   *   await uw.unitOfWork.run(() => users.create({ email: "ada@example.com" }));
   *   await users.findFirst({ where: { email: "ada@example.com" } }); // never misses the row
   *   return uw.consistencyToken();
   * });
   * // later, in another request that got the token back from the client:
   * await uw.session(() => users.findFirst({ where: { email: "ada@example.com" } }), { token });
   */
  session<R>(fn: () => R | Promise<R>, options: SessionOptions = {}): Promise<R> {
    try {
      refuseUnknownOptions(options, SESSION_OPTION_KEYS, "session");
      return Promise.resolve(this.unitOfWork.session(fn, options.token));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The consistency token of the current session: the position of its latest commit, to hand to the
   * client and get back on its next request (`uw.session(fn, { token })`, or the adapters'
   * `consistencyToken` option), so that request reads its own writes too. `undefined` outside a
   * session, before its first commit, and without replicas.
   *
   * @example
   * const token = await uw.session(async () => {
   *   await users.create({ email: "ada@example.com" });
   *   return uw.consistencyToken(); // "u1-0-3001188": send it to the client, which sends it back
   * });
   * // the HTTP adapters do it themselves with { consistencyToken: { header: "X-Consistency-Token" } }
   */
  consistencyToken(): string | undefined {
    return this.unitOfWork.consistencyToken();
  }

  /**
   * Waits for running units of work to finish, then destroys the DataSource (idempotent). With
   * `timeoutMs`, waits at most that long, then cancels what still runs (`UnitOfWorkAbortedError`,
   * nothing committed) and closes once they have rolled back.
   *
   * @example
   * process.on("SIGTERM", () => void uw.close({ timeoutMs: 10_000 }));
   */
  close(options: CloseOptions = {}): Promise<void> {
    const { timeoutMs } = options;
    try {
      refuseUnknownOptions(options, CLOSE_OPTION_KEYS, "close");
      if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
        throw new InvalidConfigError(`close timeoutMs must be a number >= 0, got ${String(timeoutMs)}`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closing) {
      if (timeoutMs !== undefined) this.#giveUpAfter(timeoutMs);
      return this.#closing;
    }
    if (timeoutMs !== undefined) this.#giveUpAfter(timeoutMs);
    this.#closing = (async () => {
      await this.unitOfWork.whenIdle();
      this.telemetry?.dispose();
      this.analyzer.dispose();
      this.unitOfWork.replicas?.dispose();
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    })();
    return this.#closing;
  }

  /** After `timeoutMs`, cancels the units of work still running (unless the close finished first). */
  #giveUpAfter(timeoutMs: number): void {
    let done = false;
    const timer = setTimeout(() => {
      if (done || this.unitOfWork.activeCount === 0) return;
      this.logger.warn({ running: this.unitOfWork.activeCount, timeoutMs }, `close: cancelling ${this.unitOfWork.activeCount} unit(s) of work still running after ${timeoutMs} ms`);
      this.unitOfWork.abortRunning(new Error(`uw.close() gave up waiting after ${timeoutMs} ms`));
    }, timeoutMs);
    void this.unitOfWork.whenIdle().then(() => {
      done = true;
      clearTimeout(timer);
    });
  }

  #poolStats(): HealthReport["pool"] {
    const pool = (this.dataSource.driver as unknown as { master?: PoolLike }).master;
    return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
  }
}
