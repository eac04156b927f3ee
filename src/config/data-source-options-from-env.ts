import type { DataSourceOptions } from "typeorm";
import { InvalidConfigError } from "../errors";

/** TypeORM options for PostgreSQL as built by {@link dataSourceOptionsFromEnv}. */
export type PostgresDataSourceOptions = Extract<DataSourceOptions, {
  /** TypeORM's driver: always `"postgres"`. */
  type: "postgres";
}>;


/**
 * Builds TypeORM PostgreSQL options from the environment (`process.env` unless `env` is given).
 *
 * - `DATABASE_URL` (`postgres://user:pass@host:port/db?sslmode=require`), else `PGHOST`, `PGPORT`,
 *   `PGUSER`, `PGPASSWORD`, `PGDATABASE` (defaults: `localhost`, 5432, `postgres`, none, the user name);
 * - `DB_POOL_MIN` (default 0), `DB_POOL_MAX` (default 10);
 * - `DB_CONNECT_TIMEOUT_MS` (default 10 000), `DB_IDLE_TIMEOUT_MS` (default 30 000),
 *   `DB_STATEMENT_TIMEOUT_MS` (default none);
 * - `DB_SSL`: `true`/`require` (verify the certificate), `no-verify`, or `false`.
 *
 * A value that cannot be used throws `InvalidConfigError` naming the variable. Entities, migrations
 * and the rest are yours to add.
 *
 * @example
 * ```ts
 * import { DataSource } from "typeorm";
 * import { createUnitwork, dataSourceOptionsFromEnv } from "unitwork";
 *
 * const dataSource = new DataSource({ ...dataSourceOptionsFromEnv(), entities: [User] });
 * const uw = await createUnitwork({ dataSource });
 * ```
 */
export function dataSourceOptionsFromEnv(env: Record<string, string | undefined> = process.env): PostgresDataSourceOptions {
  const pool = {
    min: int(env, "DB_POOL_MIN", 0),
    max: int(env, "DB_POOL_MAX", 10, 1),
    connectionTimeoutMillis: int(env, "DB_CONNECT_TIMEOUT_MS", 10_000),
    idleTimeoutMillis: int(env, "DB_IDLE_TIMEOUT_MS", 30_000),
  };
  if (pool.min > pool.max) throw new InvalidConfigError(`DB_POOL_MIN (${pool.min}) is larger than DB_POOL_MAX (${pool.max})`);
  const statementTimeout = env.DB_STATEMENT_TIMEOUT_MS === undefined ? undefined : int(env, "DB_STATEMENT_TIMEOUT_MS", 0);
  const ssl = sslOption(env.DB_SSL);
  const connection = env.DATABASE_URL ? { url: checkedUrl(env.DATABASE_URL) } : {
    host: env.PGHOST ?? "localhost",
    port: int(env, "PGPORT", 5432, 1),
    username: env.PGUSER ?? "postgres",
    password: env.PGPASSWORD,
    database: env.PGDATABASE ?? env.PGUSER ?? "postgres",
  };
  return {
    type: "postgres",
    ...connection,
    ...(ssl === undefined ? {} : { ssl }),
    poolSize: pool.max,
    connectTimeoutMS: pool.connectionTimeoutMillis,
    extra: {
      min: pool.min,
      idleTimeoutMillis: pool.idleTimeoutMillis,
      ...(statementTimeout ? { statement_timeout: statementTimeout } : {}),
    },
  };
}

function int(env: Record<string, string | undefined>, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function sslOption(raw: string | undefined): boolean | { rejectUnauthorized: boolean } | undefined {
  if (raw === undefined || raw === "") return undefined;
  switch (raw.toLowerCase()) {
    case "true": case "1": case "require": case "verify-full": return true;
    case "no-verify": return { rejectUnauthorized: false };
    case "false": case "0": case "disable": return false;
    default: throw new InvalidConfigError(`DB_SSL must be true, require, no-verify or false, got ${JSON.stringify(raw)}`);
  }
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InvalidConfigError("DATABASE_URL is not a valid URL", { cause });
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new InvalidConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got ${parsed.protocol}//`);
  }
  return url;
}
