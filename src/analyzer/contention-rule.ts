import type { DataSource } from "typeorm";
import type { BlockerInfo, Finding, LockInfo } from "./analysis-report";
import type { StatementRecord } from "./analysis-scope";
import { formatFrame } from "./source-position";
import { statementShape } from "./statement-shape";

/** The SQLSTATEs of a unit of work that lost to a lock: deadlock, serialization failure, lock timeout. @internal */
export const LOCK_FAILURES: ReadonlySet<string> = new Set(["40P01", "40001", "55P03"]);

/** Whether a record is contention: it waited on a lock longer than `lockWaitMs`, or failed for a lock. @internal */
export function isContention(record: StatementRecord, lockWaitMs: number): boolean {
  return record.lockFailure !== undefined || (record.lockWait !== undefined && record.durationMs > lockWaitMs);
}

/**
 * Contention: each statement of the scope that waited on a lock longer than `lockWaitMs` (as the lock
 * sampler saw it waiting) or failed with 40P01, 40001 or 55P03, grouped by statement shape, call
 * path and outcome; named by the lock (relation, mode), the blocker (its statement's fingerprint
 * and, for a unit of work of this process, its name and call site) and a fix that fits. @internal
 */
export function findContention(dataSource: DataSource, records: readonly StatementRecord[], lockWaitMs: number): Finding[] {
  const groups = new Map<string, StatementRecord[]>();
  for (const record of records) {
    if (!isContention(record, lockWaitMs)) continue;
    const key = `${record.shape.fingerprint}\0${record.stack?.key || "?"}\0${record.lockFailure?.sqlState ?? "wait"}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.values()].map((group) => contentionFinding(dataSource, group));
}

function contentionFinding(dataSource: DataSource, group: StatementRecord[]): Finding {
  const sample = group.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
  const lock = lockOf(sample);
  const blocker = blockerOf(sample);
  const frames = sample.stack?.frames ?? [];
  return {
    kind: "contention",
    fingerprint: sample.shape.fingerprint,
    count: group.length,
    callSite: frames[0] ? formatFrame(frames[0]) : "unknown",
    stack: frames.map(formatFrame),
    sql: sample.sql,
    parameters: sample.parameters,
    suggestion: suggestionFor(dataSource, sample, lock, blocker),
    durationMs: sample.durationMs,
    lock,
    ...(blocker ? { blocker } : {}),
    server: sample.server,
  };
}

function lockOf(record: StatementRecord): LockInfo {
  const failure = record.lockFailure;
  const fromWhere = failure?.where ? /relation "([^"]+)"/.exec(failure.where)?.[1] : undefined;
  const own = record.pid !== undefined && failure?.detail ? new RegExp(`Process ${record.pid} waits for (\\w+) on (\\w+)`).exec(failure.detail) : null;
  const relation = fromWhere ?? record.lockWait?.relation ?? record.shape.target ?? record.shape.mainTable;
  const mode = own?.[1] ?? record.lockWait?.mode;
  const lockType = own ? (own[2] === "transaction" ? "transactionid" : own[2]) : record.lockWait?.lockType;
  return {
    ...(relation ? { relation } : {}),
    ...(mode ? { mode } : {}),
    ...(lockType ? { lockType } : {}),
    waitedMs: record.durationMs,
    ...(failure ? { sqlState: failure.sqlState } : {}),
  };
}

function blockerOf(record: StatementRecord): BlockerInfo | undefined {
  const sampled = record.lockWait?.blocker;
  if (!sampled) return undefined;
  const frame = sampled.stack?.frames[0];
  const fingerprint = sampled.fingerprint ?? (sampled.sql ? statementShape(sampled.sql).fingerprint : undefined);
  return {
    pid: sampled.pid,
    ...(fingerprint ? { fingerprint } : {}),
    ...(sampled.sql ? { sql: sampled.sql } : {}),
    ...(sampled.unitOfWork ? { unitOfWork: sampled.unitOfWork } : {}),
    ...(frame ? { callSite: formatFrame(frame) } : {}),
  };
}

const LOCKING_READ = /\bFOR\s+(NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(KEY\s+)?SHARE\b/i;

function suggestionFor(dataSource: DataSource, record: StatementRecord, lock: LockInfo, blocker: BlockerInfo | undefined): string {
  const table = lock.relation ?? "the table";
  // Waiting on a transaction id is waiting for a row another transaction changed or locked.
  const theLock = lock.lockType === "transactionid" || lock.lockType === "tuple" ? `a row lock on ${table}` : `${lock.mode ?? "a lock"} on ${table}`;
  const by = blocker?.unitOfWork
    ? ` held by unit of work "${blocker.unitOfWork}"${blocker.callSite ? ` (its statement at ${blocker.callSite})` : ""}`
    : blocker?.fingerprint ? ` held by another session running ${blocker.fingerprint}` : "";
  const parts: string[] = [];
  switch (lock.sqlState) {
    case "40P01":
      parts.push(`deadlock on ${theLock}${by}: take the locks in one order (e.g. by primary key) in every unit of work that writes ${table}, and retry the unit (retry: { attempts: 3 })`);
      break;
    case "40001":
      parts.push(`serialization failure on ${table}: another transaction changed what this one read; retry the unit (retry: { attempts: 3, on: ["serialization"] }) and keep it short`);
      break;
    case "55P03":
      parts.push(`lock timeout after ${Math.round(lock.waitedMs)} ms waiting for ${theLock}${by}`);
      break;
    default:
      parts.push(`waited ${Math.round(lock.waitedMs)} ms for ${theLock}${by}`);
  }
  if (LOCKING_READ.test(record.sql) && !/\bSKIP\s+LOCKED\b/i.test(record.sql)) {
    parts.push("workers taking rows from a queue should lock with FOR UPDATE SKIP LOCKED, so each takes the next free row instead of waiting");
  }
  if (lock.sqlState !== "40001") {
    parts.push(blocker?.unitOfWork
      ? `keep "${blocker.unitOfWork}" short: do slow work (HTTP calls, file I/O, long computations) before or after its transaction, not while it holds the lock`
      : `keep the transactions that write ${table} short, and take their locks as late as possible`);
  }
  const index = missingForeignKeyIndex(dataSource, [record.sql, blocker?.sql]);
  if (index) parts.push(`add an index for the foreign key: ${index} (a DELETE of a referenced row scans the referencing table without it, holding its locks for that long)`);
  return `${parts.join("; ")}.`;
}

/**
 * `CREATE INDEX …` for a foreign key that references the table a waiting or blocking DELETE deletes
 * from, when no index of the referencing table starts with its columns: each such DELETE then scans
 * the referencing table inside the transaction, holding its locks for that long.
 */
function missingForeignKeyIndex(dataSource: DataSource, statements: (string | undefined)[]): string | undefined {
  const deleted = new Set<string>();
  for (const sql of statements) {
    if (!sql) continue;
    const shape = statementShape(sql);
    if (shape.kind === "delete" && shape.target) deleted.add(shape.target);
  }
  if (deleted.size === 0) return undefined;
  for (const metadata of dataSource.entityMetadatas) {
    const leading = new Set<string>();
    for (const index of metadata.indices) if (index.columns[0]) leading.add(index.columns[0].databaseName);
    for (const unique of metadata.uniques) if (unique.columns[0]) leading.add(unique.columns[0].databaseName);
    if (metadata.primaryColumns[0]) leading.add(metadata.primaryColumns[0].databaseName);
    for (const fk of metadata.foreignKeys) {
      const first = fk.columns[0]?.databaseName;
      if (!first || leading.has(first) || !deleted.has(fk.referencedEntityMetadata.tableName)) continue;
      return `CREATE INDEX ON "${metadata.tableName}" ("${fk.columns.map((c) => c.databaseName).join('", "')}")`;
    }
  }
  return undefined;
}
