/**
 * The demo tour (`npm start`): runs every section of examples/demo/sections in file-name order on a
 * fresh database. Uses DATABASE_URL when set (in a throw-away database on that server), else starts
 * embedded PostgreSQL 18.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { DataSource } from "typeorm";
import { domainEntities, domainMigrations } from "../domain";
import { createUnitwork, dataSourceOptionsFromEnv } from "../../src";
import { makeTour, type TourSection } from "./tour-kit";

interface Server {
  url: string;
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const { startEmbeddedPostgres } = await import("../../scripts/embedded-postgres.mjs");
  return startEmbeddedPostgres();
}

async function withAdmin(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const server = await startServer();
  const database = `unitwork_tour_${randomBytes(4).toString("hex")}`;
  await withAdmin(server.url, `CREATE DATABASE "${database}"`);
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  const dataSource = new DataSource({
    ...dataSourceOptionsFromEnv({ ...process.env, DATABASE_URL: url.toString() }),
    entities: domainEntities,
    migrations: domainMigrations,
    migrationsRun: true,
    installExtensions: false,
  });
  const uw = await createUnitwork({ dataSource, analyzer: { mode: "off" } });
  const [version] = await dataSource.query("SHOW server_version");
  process.stdout.write(`unitwork demo tour on PostgreSQL ${version.server_version} (${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded"})\n`);
  try {
    const dir = join(__dirname, "sections");
    for (const file of readdirSync(dir).filter((f) => /^\d+-.*\.ts$/.test(f)).sort()) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- sections are TypeScript, loaded through @swc/register
      const section = (require(join(dir, file)) as { default: TourSection }).default;
      await section(makeTour(uw, url.toString()));
    }
  } finally {
    await uw.close();
    await withAdmin(server.url, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await server.stop();
  }
  process.stdout.write(`\ntour finished in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
