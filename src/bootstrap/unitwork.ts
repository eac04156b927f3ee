import type { DataSource } from "typeorm";
import type { QueryAnalyzer } from "../analyzer";
import type { UnitworkLogger } from "../config";
import type { RepositoryFactory } from "../repository";
import { OWN_UNIT_OF_WORK, type UnitOfWork } from "../unit-of-work";

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
}

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
  ) {}

  /** @internal the unit of work `@Transactional` finds on a service holding this instance. */
  get [OWN_UNIT_OF_WORK](): UnitOfWork {
    return this.unitOfWork;
  }

  /**
   * Round-trips to the server (`SHOW server_version`). Never throws: a failure is `ok: false` with the
   * error's message.
   *
   * @example
   * const report = await uw.health();
   * res.status(report.ok ? 200 : 503).json(report);
   */
  async health(): Promise<HealthReport> {
    const started = performance.now();
    try {
      const rows: { server_version: string }[] = await this.dataSource.query("SHOW server_version");
      return { ok: true, latencyMs: performance.now() - started, serverVersion: rows[0]?.server_version ?? null, pool: this.#poolStats() };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, serverVersion: null, pool: this.#poolStats(), error: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Waits for running units of work to finish, then destroys the DataSource (idempotent).
   *
   * @example
   * process.once("SIGTERM", () => void server.close(() => uw.close()));
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.unitOfWork.whenIdle();
      this.analyzer.dispose();
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    })();
    return this.#closing;
  }

  #poolStats(): HealthReport["pool"] {
    const pool = (this.dataSource.driver as unknown as { master?: PoolLike }).master;
    return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
  }
}
