import type { DataSource } from "typeorm";

/** What `uw.health({ details: true })` adds. Statements are cut at 500 characters. */
export interface HealthDetails {
  /** Transactions of this database open longer than `longTransactionMs`, oldest first (at most 20). */
  longRunningTransactions: {
    /** Server process id of the session (`pg_stat_activity.pid`). */
    pid: number;
    /** How long the transaction has been open, in ms. */
    durationMs: number;
    /** The session's state (`active`, `idle in transaction`, …); `null` when not visible. */
    state: string | null;
    /** The session's current or last statement; `null` when not visible. */
    query: string | null;
    /** The client's `application_name`; `null` when it set none. */
    applicationName: string | null;
  }[];
  /** Sessions waiting for a lock, each with the session holding it. */
  lockWaits: {
    /** Server process id of the waiting session. */
    blockedPid: number;
    /** The statement that waits; `null` when not visible. */
    blockedQuery: string | null;
    /** How long the session has been waiting (since its last state change), in ms. */
    waitingMs: number;
    /** Server process id of the session holding the lock. */
    blockingPid: number;
    /** The holding session's current or last statement; `null` when not visible. */
    blockingQuery: string | null;
    /** The holding session's state (`active`, `idle in transaction`, …); `null` when not visible. */
    blockingState: string | null;
  }[];
  /** Streaming replicas of this server and how far behind they replay; absent when it has none. */
  replicas?: {
    /** The replica's `application_name`; `null` when it set none. */
    name: string | null;
    /** The replica's client address; `null` when not known (e.g. a Unix socket). */
    address: string | null;
    /** The WAL sender state (`streaming`, `catchup`, …). */
    state: string | null;
    /** How far the replica's replay is behind, in ms; `null` when not known. */
    replayLagMs: number | null;
  }[];
  /** Size of the current database in bytes. */
  databaseSizeBytes: number;
  /** The largest tables (data, indexes and TOAST), largest first (at most 10). */
  largestTables: {
    /** The table's schema. */
    schema: string;
    /** The table's name. */
    table: string;
    /** Total size in bytes: data, indexes and TOAST. */
    totalBytes: number;
  }[];
}

const LONG_RUNNING = `
  SELECT pid, (extract(epoch FROM now() - xact_start) * 1000)::float8 AS duration_ms, state, left(query, 500) AS query, application_name
  FROM pg_stat_activity
  WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
    AND now() - xact_start > make_interval(secs => $1::float8 / 1000)
  ORDER BY xact_start LIMIT 20`;

const LOCK_WAITS = `
  SELECT blocked.pid AS blocked_pid, left(blocked.query, 500) AS blocked_query,
         (extract(epoch FROM now() - coalesce(blocked.state_change, blocked.query_start)) * 1000)::float8 AS waiting_ms,
         blocking.pid AS blocking_pid, left(blocking.query, 500) AS blocking_query, blocking.state AS blocking_state
  FROM pg_stat_activity blocked
  CROSS JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid)
  JOIN pg_stat_activity blocking ON blocking.pid = b.pid
  WHERE blocked.datname = current_database() AND blocked.wait_event_type = 'Lock'
  ORDER BY waiting_ms DESC LIMIT 50`;

const REPLICAS = `
  SELECT application_name, client_addr::text AS address, state, (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms
  FROM pg_stat_replication`;

const SIZES = `SELECT pg_database_size(current_database())::float8 AS bytes`;

const LARGEST_TABLES = `
  SELECT n.nspname AS schema, c.relname AS table, pg_total_relation_size(c.oid)::float8 AS bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 10`;

/** The catalog queries behind `health({ details: true })`, run together. @internal */
export async function healthDetails(dataSource: DataSource, longTransactionMs: number): Promise<HealthDetails> {
  const [long, waits, replicas, size, tables] = await Promise.all([
    dataSource.query(LONG_RUNNING, [longTransactionMs]) as Promise<Record<string, unknown>[]>,
    dataSource.query(LOCK_WAITS) as Promise<Record<string, unknown>[]>,
    dataSource.query(REPLICAS) as Promise<Record<string, unknown>[]>,
    dataSource.query(SIZES) as Promise<{ bytes: number }[]>,
    dataSource.query(LARGEST_TABLES) as Promise<Record<string, unknown>[]>,
  ]);
  const details: HealthDetails = {
    longRunningTransactions: long.map((r) => ({ pid: r.pid as number, durationMs: r.duration_ms as number, state: r.state as string | null, query: r.query as string | null, applicationName: (r.application_name as string | null) || null })),
    lockWaits: waits.map((r) => ({
      blockedPid: r.blocked_pid as number,
      blockedQuery: r.blocked_query as string | null,
      waitingMs: r.waiting_ms as number,
      blockingPid: r.blocking_pid as number,
      blockingQuery: r.blocking_query as string | null,
      blockingState: r.blocking_state as string | null,
    })),
    databaseSizeBytes: Number(size[0]?.bytes ?? 0),
    largestTables: tables.map((r) => ({ schema: r.schema as string, table: r.table as string, totalBytes: Number(r.bytes) })),
  };
  if (replicas.length) {
    details.replicas = replicas.map((r) => ({ name: (r.application_name as string | null) || null, address: r.address as string | null, state: r.state as string | null, replayLagMs: r.replay_lag_ms as number | null }));
  }
  return details;
}
