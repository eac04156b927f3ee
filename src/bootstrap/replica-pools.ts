import type { DataSource } from "typeorm";
import type { UnitworkLogger } from "../config";

interface Credentials {
  url?: string;
  host?: string;
  username?: string;
  password?: string;
  database?: string;
  port?: number;
  ssl?: unknown;
  applicationName?: string;
}

interface PoolOptions {
  connectTimeoutMS?: number;
  applicationName?: string;
  poolSize?: number;
  extra?: Record<string, unknown>;
  replication?: { master: Credentials; slaves: Credentials[] };
}

interface PostgresDriverLike {
  createPool(options: PoolOptions, credentials: Credentials): Promise<unknown>;
  postgres: { Pool: new (options: object) => { on(event: "error", listener: (error: Error) => void): unknown } };
}

/**
 * TypeORM opens one connection to every replica when the DataSource initializes, and fails the whole
 * start when a replica is down. A replica is optional for unitwork (reads fall back to the primary),
 * so a replica that cannot be reached at start gets a pool that connects on first use, and the router
 * marks it down until it answers. The primary still has to be reachable. @internal
 */
export function tolerateReplicasDownAtStart(dataSource: DataSource, logger: UnitworkLogger): void {
  const options = dataSource.options as PoolOptions;
  const slaves = options.replication?.slaves;
  if (!slaves?.length) return;
  const driver = dataSource.driver as unknown as PostgresDriverLike;
  const createPool = driver.createPool.bind(driver);
  driver.createPool = async (poolOptions, credentials) => {
    try {
      return await createPool(poolOptions, credentials);
    } catch (error) {
      const index = slaves.indexOf(credentials);
      if (index === -1) throw error;
      logger.warn({ err: error, replica: `replica-${index + 1}` }, `read replica replica-${index + 1} cannot be reached at start; reads use the primary until it answers`);
      // the options TypeORM's createPool gives pg's Pool
      const pool = new driver.postgres.Pool({
        connectionString: credentials.url,
        host: credentials.host,
        user: credentials.username,
        password: credentials.password,
        database: credentials.database,
        port: credentials.port,
        ssl: credentials.ssl,
        connectionTimeoutMillis: poolOptions.connectTimeoutMS,
        application_name: poolOptions.applicationName ?? credentials.applicationName,
        max: poolOptions.poolSize,
        ...poolOptions.extra,
      });
      pool.on("error", (poolError) => logger.warn({ err: poolError }, "a replica pool raised an error"));
      return pool;
    }
  };
}
