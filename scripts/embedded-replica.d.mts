export interface EmbeddedReplicaPairOptions {
  /** max_connections of both servers (a standby needs at least the primary's); default 100. */
  maxConnections?: number;
  /** Keep fsync and synchronous_commit on (benchmarks); off by default for speed. */
  durable?: boolean;
}

export interface EmbeddedReplica {
  /** postgres://postgres:…@127.0.0.1:PORT/postgres (the same user and password as the primary). */
  url: string;
  port: number;
  /** Its data directory, made from a base backup of the primary's. */
  databaseDir: string;
  /** Whether its server process runs. */
  readonly running: boolean;
  /** Starts it again after `stop()` (it catches up from the primary's replication slot). */
  start(): Promise<void>;
  /** Stops it (fast shutdown); its data directory stays for `start()`. */
  stop(): Promise<void>;
  /** `pg_wal_replay_pause()`: it keeps receiving WAL but stops applying it, so it falls behind. */
  pauseReplay(): Promise<void>;
  /** `pg_wal_replay_resume()`. */
  resumeReplay(): Promise<void>;
  /** Resolves once it has replayed everything the primary has written until now. */
  catchUp(timeoutMs?: number): Promise<void>;
  /** Its server log so far (the last lines). */
  log(): string;
}

export interface EmbeddedReplicaPair {
  primary: { url: string; port: number; stop(): Promise<void> };
  replica: EmbeddedReplica;
  /** Stops both servers and removes their data directories. */
  stop(): Promise<void>;
}

/** Starts a primary and one streaming replica (hot standby) from the embedded PostgreSQL binaries. */
export function startEmbeddedReplicaPair(options?: EmbeddedReplicaPairOptions): Promise<EmbeddedReplicaPair>;
