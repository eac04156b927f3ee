import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** A database made for one run of the demo tour or a benchmark, on DATABASE_URL's server or an embedded one. */
export interface ThrowawayDatabase {
  /** URL of the new database. */
  url: string;
  /** Whether the server was started here (embedded PostgreSQL 18) rather than taken from DATABASE_URL. */
  embedded: boolean;
  /** Drops the database and stops the embedded server, if one was started. */
  drop(): Promise<void>;
}

export interface ThrowawayDatabaseOptions {
  /** Prefix of the database name. */
  label: string;
  /** Embedded server only: keep fsync and synchronous_commit on (benchmarks). */
  durable?: boolean;
  /** Said on stderr before an embedded server is started. */
  announce?: string;
}

/** Runs one statement on a short-lived connection. */
export async function runAdmin<R>(url: string, fn: (client: Client) => Promise<R>): Promise<R> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Uses DATABASE_URL's server when set, else starts embedded PostgreSQL, and creates a uniquely named
 * database there. `drop()` undoes both.
 */
export async function openThrowawayDatabase(options: ThrowawayDatabaseOptions): Promise<ThrowawayDatabase> {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = async (): Promise<void> => undefined;
  if (!serverUrl) {
    if (options.announce) process.stderr.write(`${options.announce}\n`);
    const { startEmbeddedPostgres } = await import("../../scripts/embedded-postgres.mjs");
    const server = await startEmbeddedPostgres({ durable: options.durable });
    serverUrl = server.url;
    stopServer = () => server.stop();
  }
  const name = `${options.label}_${randomBytes(4).toString("hex")}`;
  try {
    await runAdmin(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    await stopServer();
    throw error;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = serverUrl;
  return {
    url: url.toString(),
    embedded: !process.env.DATABASE_URL,
    async drop() {
      try {
        await runAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      } finally {
        await stopServer();
      }
    },
  };
}
