import type { DataSource } from "typeorm";
import type { QueryAnalyzer } from "../analyzer";
import type { UnitworkLogger } from "../config";
import type { RepositoryFactory } from "../repository";
import { OWN_UNIT_OF_WORK, type UnitOfWork } from "../unit-of-work";

export interface HealthReport {
  ok: boolean;
  latencyMs: number;
  serverVersion: string | null;
  pool: { total: number; idle: number; waiting: number };
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
 */
export class Unitwork {
  #closing?: Promise<void>;

  /** @internal */
  constructor(
    readonly dataSource: DataSource,
    readonly unitOfWork: UnitOfWork,
    readonly repositories: RepositoryFactory,
    readonly logger: UnitworkLogger,
    /** Sees every statement of this DataSource: N+1, duplicate and slow findings per scope. */
    readonly analyzer: QueryAnalyzer,
  ) {}

  /** @internal the unit of work `@Transactional` finds on a service holding this instance. */
  get [OWN_UNIT_OF_WORK](): UnitOfWork {
    return this.unitOfWork;
  }

  /** Round-trips to the server. Never throws: a failure is `ok: false` with the error's message. */
  async health(): Promise<HealthReport> {
    const started = performance.now();
    try {
      const rows: { server_version: string }[] = await this.dataSource.query("SHOW server_version");
      return { ok: true, latencyMs: performance.now() - started, serverVersion: rows[0]?.server_version ?? null, pool: this.#poolStats() };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, serverVersion: null, pool: this.#poolStats(), error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Waits for running units of work to finish, then destroys the DataSource (idempotent). */
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
