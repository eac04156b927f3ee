/**
 * The demo tour (`npm start`): runs every section of examples/demo/sections in file-name order on a
 * fresh database. Uses DATABASE_URL when set (in a throw-away database on that server), else starts
 * embedded PostgreSQL 18.
 */
import "reflect-metadata";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { domainEntities, domainMigrations } from "../domain";
import { openThrowawayDatabase } from "../support/throwaway-database";
import { createUnitwork, dataSourceOptionsFromEnv } from "../../src";
import { makeTour, type TourSection } from "./tour-kit";

async function main(): Promise<void> {
  const started = performance.now();
  const database = await openThrowawayDatabase({ label: "unitwork_tour" });
  const url = database.url;
  const dataSource = new DataSource({
    ...dataSourceOptionsFromEnv({ ...process.env, DATABASE_URL: url }),
    entities: domainEntities,
    migrations: domainMigrations,
    migrationsRun: true,
    installExtensions: false,
  });
  const uw = await createUnitwork({ dataSource, analyzer: { mode: "off" } });
  const [version] = await dataSource.query("SHOW server_version");
  process.stdout.write(`unitwork demo tour on PostgreSQL ${version.server_version} (${database.embedded ? "embedded" : "DATABASE_URL"})\n`);
  try {
    const dir = join(__dirname, "sections");
    for (const file of readdirSync(dir).filter((f) => /^\d+-.*\.ts$/.test(f)).sort()) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- sections are TypeScript, loaded through @swc/register
      const section = (require(join(dir, file)) as { default: TourSection }).default;
      await section(makeTour(uw, url));
    }
  } finally {
    await uw.close();
    await database.drop();
  }
  process.stdout.write(`\ntour finished in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
