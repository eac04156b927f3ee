import type { DataSource } from "typeorm";

interface PgClientLike {
  connect(): Promise<unknown>;
  query(sql: string, params: unknown[]): Promise<unknown>;
  end(): Promise<void>;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/**
 * Cancels whatever statement backend `pid` is running, over a separate short-lived connection (never
 * from the pool, which may be exhausted by the very units of work that are waiting). `serverOptions`:
 * the pool options of the server the backend runs on (a replica's); the primary's by default. @internal
 */
export async function cancelBackendStatement(dataSource: DataSource, pid: number, serverOptions?: object): Promise<void> {
  const driver = dataSource.driver as unknown as {
    postgres: { Client: new (options: object) => PgClientLike };
    master: { options: object };
  };
  const client = new driver.postgres.Client({ ...(serverOptions ?? driver.master.options), max: undefined });
  client.on("error", () => undefined); // a failure surfaces through connect/query below
  await client.connect();
  try {
    await client.query("SELECT pg_cancel_backend($1)", [pid]);
  } finally {
    await client.end();
  }
}
