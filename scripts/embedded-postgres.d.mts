export interface EmbeddedPostgresOptions {
  /** Keep fsync and synchronous_commit on (benchmarks); off by default for speed. */
  durable?: boolean;
  maxConnections?: number;
  /** More server flags (`["-c", "name=value", …]`), after unitwork's own. */
  postgresFlags?: string[];
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:…@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** The password of the `postgres` superuser. */
  password: string;
  /** The data directory (a `unitwork-pg-<pid>-<hex>` folder under the temp directory). */
  databaseDir: string;
  /** The `-c` flags the server was started with. */
  flags: string[];
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

export function startEmbeddedPostgres(options?: EmbeddedPostgresOptions): Promise<EmbeddedPostgres>;

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number>;
/** As root: grants o+x on the folders above the server binaries, so the `postgres` user can run them. */
export function letPostgresUserReachBinaries(): Promise<void>;
/** Stops servers and removes data directories left behind by runs that were killed. */
export function removeOrphans(): Promise<void>;
