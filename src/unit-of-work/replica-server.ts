import type { UnitworkLogger } from "../config";
import { parseLsn } from "./lsn";

/** A pooled pg client, as far as replica routing uses it. @internal */
export interface PgClient {
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
}

/** What TypeORM's `obtainMasterConnection` / `obtainSlaveConnection` resolve to: a client and its release. @internal */
export type ObtainedConnection = [PgClient, (error?: unknown) => void];

/** pg's `Pool`, as far as replica routing uses it. @internal */
export interface PgPool {
  connect(callback: (error: Error | undefined, client: PgClient, release: (error?: unknown) => void) => void): void;
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  readonly options: object;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** Where a replica stands: `unknown` until first checked, `down` after a failed connection or check. @internal */
export type ReplicaState = "unknown" | "up" | "down";

/**
 * How far behind the replica's replay is: 0 when it has replayed everything it received, else the time
 * since the last transaction it replayed (an upper bound: a quiet primary makes it look later than it is).
 */
const CHECK = `SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed,
  CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_xact_replay_timestamp() IS NULL THEN NULL
       WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
       ELSE (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 END AS lag_ms`;
const REPLAYED = "SELECT pg_last_wal_replay_lsn()::text AS lsn";

/**
 * One streaming replica behind TypeORM's `replication.slaves`: its pool, and what the router knows of
 * it (up or down, lag, the WAL position it has replayed at least). Checked in the background at most
 * every `intervalMs` while reads use it, and after a failure. @internal
 */
export class ReplicaServer {
  state: ReplicaState = "unknown";
  /** Replay lag at the last check, in ms; `null` when not known. */
  lagMs: number | null = null;
  /** A WAL position the replica is known to have replayed (replay only moves forward). */
  replayed = 0n;
  /** When it was last checked (epoch ms). */
  checkedAt: number | undefined;
  /** Why it is down. */
  error: string | undefined;
  #nextCheck = 0;
  #checking?: Promise<void>;
  #disposed = false;

  constructor(
    readonly name: string,
    readonly address: string | null,
    readonly pool: PgPool,
    private readonly logger: UnitworkLogger,
    private readonly intervalMs: number,
  ) {}

  /** Whether reads may go to it now: not down, and not further behind than `maxLagMs`. */
  usable(maxLagMs: number): boolean {
    return this.state !== "down" && !(this.lagMs !== null && this.lagMs > maxLagMs);
  }

  /** Starts a background check when the last one is older than the interval (or a failure's retry is due). */
  checkIfDue(now: number): void {
    if (!this.#checking && now >= this.#nextCheck && !this.#disposed) void this.check();
  }

  /** No more checks (its pool is about to end). */
  dispose(): void {
    this.#disposed = true;
  }

  /** Checks the replica now (one check at a time); never rejects: a failure marks it down. */
  check(): Promise<void> {
    this.#checking ??= this.#probe().finally(() => {
      this.#checking = undefined;
      this.#nextCheck = performance.now() + this.intervalMs;
    });
    return this.#checking;
  }

  /** A pooled connection to the replica. */
  connect(): Promise<ObtainedConnection> {
    return new Promise((resolve, reject) => this.pool.connect((error, client, release) => (error ? reject(error) : resolve([client, release]))));
  }

  /** Marks it down (reads skip it until a background check finds it up again). */
  failed(error: unknown): void {
    if (this.#disposed) return;
    const message = error instanceof Error ? error.message : String(error);
    if (this.state !== "down") this.logger.warn({ replica: this.name, address: this.address, err: error }, `read replica ${this.name} is down; reads use the other replicas or the primary: ${message}`);
    this.state = "down";
    this.error = message;
    // when it comes back it may be another server (rebuilt from an older backup): what it replayed is asked again
    this.replayed = 0n;
    this.checkedAt = Date.now();
    this.#nextCheck = performance.now() + this.intervalMs;
  }

  /**
   * Whether the replica has replayed `lsn`, asking it on `client` until `deadline` (a
   * `performance.now()` time), with short pauses between questions.
   */
  async waitFor(client: PgClient, lsn: bigint, deadline: number): Promise<boolean> {
    for (let pause = 1; ; pause = Math.min(pause * 2, 16)) {
      const { rows } = await client.query(REPLAYED);
      const replayed = parseLsn(rows[0]?.lsn);
      if (replayed !== undefined && replayed > this.replayed) this.replayed = replayed;
      if (this.replayed >= lsn) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
  }

  async #probe(): Promise<void> {
    try {
      const { rows } = await this.pool.query(CHECK);
      const row = rows[0] ?? {};
      if (row.standby !== true) throw new Error("it is not a standby (pg_is_in_recovery() is false), so it does not follow the primary");
      const replayed = parseLsn(row.replayed);
      if (replayed !== undefined && replayed > this.replayed) this.replayed = replayed;
      this.lagMs = typeof row.lag_ms === "number" ? row.lag_ms : null;
      if (this.state === "down") this.logger.info({ replica: this.name, address: this.address }, `read replica ${this.name} is up again`);
      this.state = "up";
      this.error = undefined;
      this.checkedAt = Date.now();
    } catch (error) {
      this.failed(error);
    }
  }
}
