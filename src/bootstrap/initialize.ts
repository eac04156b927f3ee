import type { DataSource } from "typeorm";
import { ConnectionError, InvalidConfigError } from "../errors";

interface ConnectionOptions {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  database?: string;
}

/**
 * Initializes the DataSource; a failure to connect is a `ConnectionError` that says what went wrong
 * in words and which setting to check, instead of the driver's `connect ECONNREFUSED …`. @internal
 */
export async function initialize(dataSource: DataSource): Promise<void> {
  try {
    await dataSource.initialize();
  } catch (error) {
    throw connectionError(error, dataSource.options as ConnectionOptions);
  }
}

function connectionError(error: unknown, options: ConnectionOptions): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const target = describe(options);
  const fromEnv = process.env.DATABASE_URL ? "DATABASE_URL" : "DATABASE_URL (not set here)";
  const cause = { cause: error };
  switch (code) {
    case "ECONNREFUSED":
      return new ConnectionError(`cannot connect to PostgreSQL at ${target.address}: the connection was refused (is the server running, and listening on that port?)`, `the host and port (${fromEnv}, or PGHOST/PGPORT)`, cause);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConnectionError(`cannot connect to PostgreSQL: unknown host ${JSON.stringify(target.host)}`, `the host (${fromEnv}, or PGHOST)`, cause);
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new ConnectionError(`cannot connect to PostgreSQL at ${target.address}: no answer (${String(code)})`, `the host and port (${fromEnv}, or PGHOST/PGPORT), and DB_CONNECT_TIMEOUT_MS`, cause);
    case "28P01":
    case "28000":
      return new ConnectionError(`PostgreSQL at ${target.address} refused the credentials of user ${JSON.stringify(target.user)}`, `the user and password (${fromEnv}, or PGUSER/PGPASSWORD)`, cause);
    case "3D000":
      return new ConnectionError(`PostgreSQL at ${target.address} has no database ${JSON.stringify(target.database)}`, `the database name (${fromEnv}'s path, or PGDATABASE); create it first`, cause);
    default:
      if (typeof message === "string" && /timeout/i.test(message)) {
        return new ConnectionError(`cannot connect to PostgreSQL at ${target.address}: ${message}`, `the host and port (${fromEnv}, or PGHOST/PGPORT), and DB_CONNECT_TIMEOUT_MS`, cause);
      }
      // A server or network error (a SQLSTATE or an errno code) is a connection problem; anything
      // else is TypeORM refusing the configuration (entities, naming, options).
      if (typeof code === "string") {
        return new ConnectionError(`cannot connect to PostgreSQL at ${target.address}: ${String(message)}`, "the DataSource's connection options", cause);
      }
      return new InvalidConfigError(`the DataSource could not be initialized: ${error instanceof Error ? error.message : String(error)}`, cause);
  }
}

/** Where the DataSource points, without the password. */
function describe(options: ConnectionOptions): { address: string; host: string; user: string; database: string } {
  let host = options.host ?? "localhost";
  let port = String(options.port ?? 5432);
  let user = options.username ?? process.env.PGUSER ?? "";
  let database = options.database ?? "";
  if (options.url) {
    try {
      const url = new URL(options.url);
      host = url.hostname || host;
      port = url.port || port;
      user = decodeURIComponent(url.username) || user;
      database = decodeURIComponent(url.pathname.slice(1)) || database;
    } catch {
      // an unparsable url is TypeORM's to refuse; describe what the options say
    }
  }
  return { address: `${host}:${port}`, host, user, database };
}
