export interface EmbeddedPostgresOptions {
  /** Keep fsync and synchronous_commit on (benchmarks); off by default for speed. */
  durable?: boolean;
  maxConnections?: number;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:…@127.0.0.1:PORT/postgres */
  url: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

export function startEmbeddedPostgres(options?: EmbeddedPostgresOptions): Promise<EmbeddedPostgres>;
