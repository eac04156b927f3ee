import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** A throw-away database on the server of DATABASE_URL (the embedded one, or yours). */
export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one statement on the database (schema preparation before a DataSource connects). */
  query(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run the tests through jest, whose global setup starts PostgreSQL");
  return url;
}

/** Runs `fn` on a connection of its own to the server's maintenance database, as the server's owner. */
export async function asServerAdmin<R>(fn: (client: Client) => Promise<R>): Promise<R> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named database; `drop()` removes it, terminating leftover connections. */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const name = `uw_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase().slice(0, 30)}_${randomBytes(5).toString("hex")}`;
  await asServerAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: async (sql: string) => {
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    drop: () => asServerAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
