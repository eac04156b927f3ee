
export type FindingKind = "n+1" | "duplicate" | "slow" | "contention";

/** The lock a contention finding waited on. */
export interface LockInfo {
  /** The table (or index) the lock is on, when known. */
  relation?: string;
  /** The lock mode waited for (`ShareLock`, `AccessExclusiveLock` …), when sampled or reported. */
  mode?: string;
  /** What is locked: `relation`, `tuple`, `transactionid` (a row another transaction changed) … */
  lockType?: string;
  /** How long the statement waited (its duration), in ms. */
  waitedMs: number;
  /** 40P01 (deadlock), 40001 (serialization failure) or 55P03 (lock timeout) when the wait failed. */
  sqlState?: string;
}

/** Who held the lock a contention finding waited on. */
export interface BlockerInfo {
  /** The blocking server process. */
  pid?: number;
  /** The fingerprint of the blocking statement (the blocker's statement on the locked table when it is a unit of work of this process, else its current statement). */
  fingerprint?: string;
  sql?: string;
  /** When the blocker is a unit of work of this process: its name … */
  unitOfWork?: string;
  /** … and the call site of its blocking statement. */
  callSite?: string;
}

/** One statement a scope ran. */
export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
  /** The statement shape: equal for statements differing only in literals, `$n` values, IN-list or VALUES-list lengths. */
  fingerprint: string;
  durationMs: number;
  /** Rows returned (SELECT, RETURNING) or affected. */
  rows: number;
  success: boolean;
  /** `file:line:column` of the application frame that issued it, when one was found. */
  callSite?: string;
  /** Set for unitwork's own multi-statement operations (bulk chunks, pagination walks). */
  operation?: "bulk" | "pagination" | "internal";
}

/** What a slow statement's plan showed. */
export interface PlanSummary {
  /** `EXPLAIN ANALYZE` (reads) or plain `EXPLAIN` (writes). */
  analyzed: boolean;
  totalCostEstimate?: number;
  executionMs?: number;
  sequentialScans: { table: string; filter?: string; rowsReturned?: number; rowsRemovedByFilter?: number }[];
  /** Nodes where the planner's row estimate was off by 10x or more. */
  rowEstimateErrors: { node: string; estimated: number; actual: number }[];
  /** Sorts that spilled to disk. */
  diskSorts: { node: string; spaceKb?: number; method?: string }[];
  /** `CREATE INDEX …` where a selective filter scanned a large table; absent when no index would help. */
  indexSuggestion?: string;
  /** The raw plan (JSON), for tools. */
  plan?: unknown;
  /** Why no plan could be taken, if so. */
  error?: string;
}

export interface Finding {
  kind: FindingKind;
  fingerprint: string;
  /** N+1: statements in the group; duplicate: executions of the repeated statement; slow: slow executions; contention: waits. */
  count: number;
  /** `file:line:column` in application code (source-mapped), or `"unknown"`. */
  callSite: string;
  /** The application frames leading to the statement, innermost first. */
  stack: string[];
  /** A sample statement of the group. */
  sql: string;
  /** Its parameters. */
  parameters: readonly unknown[];
  /** What to change. */
  suggestion: string;
  /** The entity (and relation) the statement loads, when known. */
  entity?: string;
  relation?: string;
  /** Slow: the slowest duration; others: total duration of the group. */
  durationMs: number;
  /** Slow findings with `explainSlowQueries`. */
  plan?: PlanSummary;
  /** Contention: the lock waited on. */
  lock?: LockInfo;
  /** Contention: who held it, when known. */
  blocker?: BlockerInfo;
}

/** What one scope (unit of work, `analyzer.scope`, HTTP request) ran and what the analyzer found. */
export interface AnalysisReport {
  scope: string;
  queryCount: number;
  totalDurationMs: number;
  queries: CapturedQuery[];
  findings: Finding[];
}

/** Totals per statement shape across all scopes (`analyzer.stats()`). */
export interface FingerprintStats {
  fingerprint: string;
  /** A sample statement. */
  sql: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
}
