import type { DataSource } from "typeorm";
import { refuseUnknownOptions, type UnitworkLogger } from "../config";
import { ConnectionError, InvalidConfigError } from "../errors";

interface ConnectionOptions {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  database?: string;
}

/** `createUnitwork({ connectRetry })`: how often, and how patiently, the first connection is tried. */
export interface ConnectRetryOptions {
  /** Total attempts including the first (>= 1; default 1: no retry). */
  attempts: number;
  /** First backoff in ms (default 100); doubles each attempt. */
  baseDelayMs?: number;
  /** Cap on one backoff in ms (default 2000). */
  maxDelayMs?: number;
}

/** The keys of `ConnectRetryOptions`, for refusing misspelt ones. @internal */
export const CONNECT_RETRY_OPTION_KEYS: readonly (keyof ConnectRetryOptions)[] = ["attempts", "baseDelayMs", "maxDelayMs"];

/** `InvalidConfigError` for a `connectRetry` no start-up can use. @internal */
export function checkConnectRetry(retry: ConnectRetryOptions | undefined): void {
  if (retry === undefined) return;
  refuseUnknownOptions(retry, CONNECT_RETRY_OPTION_KEYS, "connectRetry");
  if (!(Number.isInteger(retry.attempts) && retry.attempts >= 1)) {
    throw new InvalidConfigError(`connectRetry.attempts must be an integer >= 1, got ${String(retry.attempts)}`);
  }
  for (const key of ["baseDelayMs", "maxDelayMs"] as const) {
    const value = retry[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new InvalidConfigError(`connectRetry.${key} must be a number >= 0, got ${String(value)}`);
  }
}

/**
 * Initializes the DataSource; a failure to connect is a `ConnectionError` that says what went wrong
 * in words and which setting to check, instead of the driver's `connect ECONNREFUSED …`. With
 * `retry`, a connection failure that waiting can cure (refused, unknown host, no answer, the server
 * starting up) is tried again with doubling backoff; wrong credentials or a missing database are not.
 * The pool lets the process exit while all its connections are idle (pg's `allowExitOnIdle`), unless
 * the DataSource's `extra` says otherwise: a script that forgets `uw.close()` still ends. @internal
 */
export async function initialize(dataSource: DataSource, retry?: ConnectRetryOptions, logger?: UnitworkLogger): Promise<void> {
  const options = dataSource.options as { extra?: Record<string, unknown> };
  if (options.extra?.allowExitOnIdle === undefined) Object.assign(options, { extra: { ...options.extra, allowExitOnIdle: true } });
  const attempts = retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      const failure = connectionError(error, dataSource.options as ConnectionOptions);
      if (attempt >= attempts || !(failure instanceof ConnectionError) || !isTransient(error)) throw failure;
      const delay = Math.min(retry?.maxDelayMs ?? 2000, (retry?.baseDelayMs ?? 100) * 2 ** (attempt - 1));
      logger?.warn({ err: failure, attempt, attempts, delayMs: delay }, `connecting to PostgreSQL failed; retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A failure that may pass: not refused credentials, a missing database or a bad configuration. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code !== "28P01" && code !== "28000" && code !== "3D000" && refusedStartupParameter(error) === undefined;
}

/**
 * The startup parameter a connection pooler refused (PgBouncer: `unsupported startup parameter:
 * statement_timeout`): pg sends `statement_timeout`, `lock_timeout`, … in the startup packet, and a
 * pooler in transaction mode cannot keep session settings for a client.
 */
function refusedStartupParameter(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? /unsupported startup parameter(?: in options)?: (\S+)/.exec(message)?.[1] : undefined;
}

function connectionError(error: unknown, options: ConnectionOptions): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const target = describe(options);
  const fromEnv = process.env.DATABASE_URL ? "DATABASE_URL" : "DATABASE_URL (not set here)";
  const cause = { cause: error };
  const refused = refusedStartupParameter(error);
  if (refused) {
    return new ConnectionError(
      `${target.address} refused the startup parameter ${refused} (a pooler such as PgBouncer in transaction mode keeps no session settings): set it per transaction with UnitOfWorkOptions.settings (e.g. createUnitwork({ defaults: { settings: { ${refused}: "…" } } })), or on the role (ALTER ROLE … SET ${refused} = …); see docs/scale-out.md`,
      refused === "statement_timeout" ? "DB_STATEMENT_TIMEOUT_MS (unset it behind PgBouncer), or the DataSource's extra.statement_timeout" : `the DataSource's extra.${refused}`,
      cause,
    );
  }
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
