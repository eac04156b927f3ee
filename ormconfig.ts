/**
 * The TypeORM DataSource of the example domain, for the TypeORM CLI (migrations):
 *
 *   DATABASE_URL=postgres://… npx typeorm-ts-node-commonjs migration:run -d ormconfig.ts
 *   DATABASE_URL=postgres://… node -r @swc/register node_modules/typeorm/cli.js migration:show -d ormconfig.ts
 *
 * Connection settings come from the environment (`dataSourceOptionsFromEnv`: DATABASE_URL or PG*).
 */
import "reflect-metadata";
import { DataSource } from "typeorm";
import { domainEntities, domainMigrations } from "./examples/domain";
import { dataSourceOptionsFromEnv } from "./src";

export default new DataSource({
  ...dataSourceOptionsFromEnv(),
  entities: domainEntities,
  migrations: domainMigrations,
  migrationsTableName: "migrations",
});
