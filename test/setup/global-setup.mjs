// Starts embedded PostgreSQL 18 unless DATABASE_URL points at a server already.
// Workers inherit process.env, so every test file sees the URL; each file makes its own database.
import { startEmbeddedPostgres } from "../../scripts/embedded-postgres.mjs";

export default async function globalSetup() {
  if (process.env.DATABASE_URL) return;
  const server = await startEmbeddedPostgres();
  process.env.DATABASE_URL = server.url;
  globalThis.__UNITWORK_EMBEDDED_PG__ = server;
}
