import type { DataSource } from "typeorm";
import type { UnitworkLogger } from "../config";
import { InvalidConfigError } from "../errors";
import type { ContextStore } from "./execution-context";
import { formatLsn, parseLsn } from "./lsn";
import { PRIMARY_ONLY, ReadSession } from "./read-session";
import { resolveReplicaOptions, type ReplicaOptions, type ResolvedReplicaOptions } from "./replica-options";
import { ReplicaServer, type ObtainedConnection, type PgClient, type PgPool } from "./replica-server";

/**
 * What `uw.health()` says of one read replica.
 *
 * @example
 * const { replicas = [] } = await uw.health();
 * for (const r of replicas) if (r.state !== "up") console.warn(`${r.name} (${r.address}) is ${r.state}: ${r.error ?? `${r.lagMs} ms behind`}`);
 */
export interface ReplicaHealth {
  /** `replica-1`, `replica-2`, … in the order of `replication.slaves`; analyzer reports name the server the same way. */
  name: string;
  /** `host:port` of the replica; `null` when the configuration does not say. */
  address: string | null;
  /** `up`; `lagging` (up, but further behind than `maxLagMs`, so skipped); or `down` (skipped). */
  state: "up" | "lagging" | "down";
  /** How far its replay is behind, in ms; `null` when not known (down, or nothing replayed yet). */
  lagMs: number | null;
  /** The WAL position it has replayed (`pg_lsn` text); `null` when not known. */
  replayedLsn: string | null;
  /** Why it is down. */
  error?: string;
}

interface ReplicationOptions {
  master: object;
  slaves: { url?: string; host?: string; port?: number }[];
}

interface ReplicatedDriver {
  master: PgPool;
  slaves: PgPool[];
  obtainMasterConnection(): Promise<ObtainedConnection>;
  obtainSlaveConnection(): Promise<ObtainedConnection>;
}

const INSERT_LSN = "SELECT pg_current_wal_insert_lsn()::text AS lsn";

/**
 * Routes the reads TypeORM sends to `replication.slaves` (its "slave" query runners: reads outside a
 * transaction, and unitwork's `readOnly` units of work) to a healthy replica that satisfies the
 * consistency rule, else to the primary. It takes over the driver's `obtainSlaveConnection`, so plain
 * TypeORM reads are routed the same way. Installed only when the DataSource has replicas. @internal
 */
export class ReplicaRouter {
  readonly options: ResolvedReplicaOptions;
  readonly replicas: readonly ReplicaServer[];
  readonly #context: ContextStore;
  readonly #driver: ReplicatedDriver;
  readonly #obtainPrimary: () => Promise<ObtainedConnection>;
  readonly #onReplica = new WeakMap<object, ReplicaServer>();
  readonly #logger: UnitworkLogger;
  #turn = 0;

  /** The router of a DataSource with `replication`, else `undefined` (and `replicas` options are refused). */
  static install(dataSource: DataSource, context: ContextStore, options: ReplicaOptions | undefined, logger: UnitworkLogger): ReplicaRouter | undefined {
    const resolved = resolveReplicaOptions(options);
    const replication = (dataSource.options as { replication?: ReplicationOptions }).replication;
    if (!replication?.slaves?.length) {
      if (options !== undefined) throw new InvalidConfigError("replicas options need a DataSource with TypeORM's replication: { master, slaves: [...] }");
      return undefined;
    }
    return new ReplicaRouter(dataSource, context, resolved, replication, logger);
  }

  private constructor(dataSource: DataSource, context: ContextStore, options: ResolvedReplicaOptions, replication: ReplicationOptions, logger: UnitworkLogger) {
    this.options = options;
    this.#context = context;
    this.#logger = logger;
    this.#driver = dataSource.driver as unknown as ReplicatedDriver;
    this.#obtainPrimary = this.#driver.obtainMasterConnection.bind(this.#driver);
    this.replicas = this.#driver.slaves.map((pool, i) => new ReplicaServer(`replica-${i + 1}`, addressOf(replication.slaves[i]), pool, logger, options.checkIntervalMs));
    this.#driver.obtainSlaveConnection = () => this.#obtainRead();
  }

  /** Stops the background checks (`uw.close()`): the pools are about to end. */
  dispose(): void {
    for (const replica of this.replicas) replica.dispose();
  }

  /** Checks every replica now (at start-up and for `uw.health()`). */
  async checkAll(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.check()));
  }

  /** Each replica's state, checked now. */
  async health(): Promise<ReplicaHealth[]> {
    await this.checkAll();
    return this.replicas.map((r) => ({
      name: r.name,
      address: r.address,
      state: r.state === "down" ? "down" : r.usable(this.options.maxLagMs) ? "up" : "lagging",
      lagMs: r.state === "down" ? null : r.lagMs,
      replayedLsn: r.replayed ? formatLsn(r.replayed) : null,
      ...(r.error === undefined ? {} : { error: r.error }),
    }));
  }

  /** `primary`, or the name of the replica a pooled connection belongs to. */
  serverOf(connection: object | undefined): string {
    return (connection && this.#onReplica.get(connection)?.name) || "primary";
  }

  /** Runs `fn` in the current session, or in a new one; `lsn` (from a token) is taken into it. */
  session<R>(fn: () => R, lsn?: bigint): R {
    const current = this.#context.current.session;
    if (current) {
      if (lsn !== undefined) current.observe(lsn);
      return fn();
    }
    const session = new ReadSession();
    if (lsn !== undefined) session.observe(lsn);
    return this.#context.with({ session }, fn);
  }

  /**
   * After a commit on the primary: the WAL insert position now is at or past the commit, so a replica
   * that has replayed it shows the commit. Read on the committing connection, else on another one; when
   * neither answers, the session reads from the primary from now on (it must never miss the commit).
   */
  async recordCommit(session: ReadSession, connection: PgClient | undefined): Promise<void> {
    try {
      session.observe(await this.#insertLsn(connection));
    } catch (error) {
      session.observe(PRIMARY_ONLY);
      this.#logger.warn({ err: error }, "could not read the WAL position after a commit; this session reads from the primary from now on");
    }
  }

  async #insertLsn(connection: PgClient | undefined): Promise<bigint> {
    if (connection) {
      const lsn = await connection.query(INSERT_LSN).then((r) => parseLsn(r.rows[0]?.lsn), () => undefined);
      if (lsn !== undefined) return lsn;
    }
    const lsn = parseLsn((await this.#driver.master.query(INSERT_LSN)).rows[0]?.lsn);
    if (lsn === undefined) throw new Error("pg_current_wal_insert_lsn() gave no position");
    return lsn;
  }

  /**
   * A connection for a read: a usable replica that has replayed the session's latest commit (waiting up
   * to `waitMs` for one to), else the primary. A replica that cannot be reached is marked down and
   * skipped: the read never fails because of a replica.
   */
  async #obtainRead(): Promise<ObtainedConnection> {
    const { consistency, maxLagMs, waitMs } = this.options;
    const context = this.#context.current;
    if (consistency === "primary" || context.primary) return this.#obtainPrimary();
    const need = consistency === "session" ? (context.session?.lsn ?? 0n) : 0n;
    if (need === PRIMARY_ONLY) return this.#obtainPrimary();
    const now = performance.now();
    const ready: ReplicaServer[] = [];
    const behind: ReplicaServer[] = [];
    const count = this.replicas.length;
    const first = this.#turn++ % count;
    for (let i = 0; i < count; i++) {
      const replica = this.replicas[(first + i) % count]!;
      replica.checkIfDue(now);
      if (replica.usable(maxLagMs)) (replica.replayed >= need ? ready : behind).push(replica);
    }
    const deadline = now + waitMs;
    for (const replica of ready.length ? ready.concat(behind) : behind) {
      let obtained: ObtainedConnection;
      try {
        obtained = await replica.connect();
      } catch (error) {
        replica.failed(error);
        continue;
      }
      try {
        if (replica.replayed >= need || (await replica.waitFor(obtained[0], need, deadline))) {
          this.#onReplica.set(obtained[0], replica);
          const release = obtained[1];
          // released with an error: the connection broke (the replica died under a statement), so is the replica
          return [obtained[0], (error?: unknown) => {
            if (error) replica.failed(error);
            release(error);
          }];
        }
        obtained[1]();
      } catch (error) {
        obtained[1](error);
        replica.failed(error);
      }
    }
    if (need > 0n && (ready.length || behind.length)) {
      this.#logger.debug({ waitMs }, "no replica had replayed the session's latest commit in time; the read runs on the primary");
    }
    return this.#obtainPrimary();
  }
}

function addressOf(credentials: { url?: string; host?: string; port?: number } | undefined): string | null {
  if (credentials?.url) {
    try {
      const url = new URL(credentials.url);
      return `${url.hostname}:${url.port || "5432"}`;
    } catch {
      return null;
    }
  }
  return credentials?.host ? `${credentials.host}:${credentials.port ?? 5432}` : null;
}
