import "reflect-metadata";
import { DataSource, type DataSourceOptions, type EntitySchema } from "typeorm";
import { domainEntities, domainMigrations } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, type CreateUnitworkOptions, type Unitwork, type UnitworkLogger } from "../../src";
import { createTestDatabase, type TestDatabase } from "./test-database";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  obj: unknown;
  msg?: string;
}

/** A logger that keeps what it is told, so tests can assert on it (and keep the output quiet). */
export function memoryLogger(): UnitworkLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry["level"]) => (obj: object | string, msg?: string) => void entries.push({ level, obj, msg });
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityList = (Function | EntitySchema)[];

export interface TestUnitwork {
  uw: Unitwork;
  db: TestDatabase;
  logger: ReturnType<typeof memoryLogger>;
  /** Closes the unitwork and drops the database. */
  close(): Promise<void>;
}

/**
 * A unitwork on a fresh database with the example domain migrated in. One per test file:
 * `let t: TestUnitwork; beforeAll(async () => (t = await openTestUnitwork())); afterAll(() => t.close());`
 */
export async function openTestUnitwork(options: Partial<CreateUnitworkOptions> & { poolSize?: number; label?: string; entities?: EntityList; dataSourceOptions?: Partial<DataSourceOptions>; sql?: string[]; connectTo?: (db: TestDatabase) => string } = {}): Promise<TestUnitwork> {
  const db = await createTestDatabase(options.label ?? expect.getState().testPath?.split("/").pop()?.replace(/\.test\.ts$/, "") ?? "t");
  for (const statement of options.sql ?? []) await db.query(statement);
  // the example domain with its migrations, or the given entities with the schema TypeORM derives (synchronize)
  const schema = options.entities ? { entities: options.entities, synchronize: true } : { entities: domainEntities, migrations: domainMigrations, migrationsRun: true, installExtensions: false };
  const dataSource = new DataSource({
    // connectTo: another way to the database (e.g. through PgBouncer)
    ...dataSourceOptionsFromEnv({ DATABASE_URL: options.connectTo?.(db) ?? db.url, DB_POOL_MAX: String(options.poolSize ?? 10) }),
    ...schema,
    ...options.dataSourceOptions,
  } as never);
  const logger = memoryLogger();
  const { poolSize: _poolSize, label: _label, entities: _entities, dataSourceOptions: _dataSourceOptions, sql: _sql, connectTo: _connectTo, ...unitworkOptions } = options;
  const uw = await createUnitwork({ logger, ...unitworkOptions, dataSource });
  return {
    uw,
    db,
    logger,
    async close() {
      await uw.close();
      await db.drop();
    },
  };
}
