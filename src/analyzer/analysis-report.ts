/**
 * What a finding is about:
 * - `n+1`: the same statement shape from the same call site with different parameters (a loop of lookups)
 * - `duplicate`: the same statement with the same parameters run more than once
 * - `slow`: a statement that took longer than `slowQueryMs`
 * - `contention`: a unit of work waited on a lock longer than `lockWaitMs`, or failed with 40P01/40001/55P03
 * - `over-fetching`: a relation loaded through `relations` (or an eager one) that the scope never read (option `overFetching`)
 */
export type FindingKind = "n+1" | "duplicate" | "slow" | "contention" | "over-fetching";
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
  /** The SQL of that blocking statement, when known. */
  sql?: string;
  /** When the blocker is a unit of work of this process: its name … */
  unitOfWork?: string;
  /** … and the call site of its blocking statement. */
  callSite?: string;
}

/** One statement a scope ran. */
export interface CapturedQuery {
  /** The SQL as sent, with `$n` placeholders. */
  sql: string;
  /** The bound parameters. */
  parameters: readonly unknown[];
  /** The statement shape (fingerprint): equal for statements differing only in literals, `$n` values, IN-list or VALUES-list lengths. */
  fingerprint: string;
  /** How long the statement took, in ms. */
  durationMs: number;
  /** Rows returned (SELECT, RETURNING) or affected. */
  rows: number;
  /** `false` when the statement failed. */
  success: boolean;
  /** `file:line:column` of the application frame that issued it, when one was found. */
  callSite?: string;
  /** Set for unitwork's own multi-statement operations (bulk chunks, pagination walks). */
  operation?: "bulk" | "pagination" | "internal";
  /** The server that ran it: `"primary"`, or a read replica's name (`"replica-1"`, in the order of `replication.slaves`). */
  server: string;
}

/** What a slow statement's plan showed. */
export interface PlanSummary {
  /** `EXPLAIN ANALYZE` (reads) or plain `EXPLAIN` (writes). */
  analyzed: boolean;
  /** The planner's total cost of the root node (in the planner's cost units, not ms). */
  totalCostEstimate?: number;
  /** Execution time reported by `EXPLAIN ANALYZE`, in ms; `undefined` when not analyzed. */
  executionMs?: number;
  /** Sequential scans in the plan. */
  sequentialScans: {
    /** The scanned table. */
    table: string;
    /** The scan's filter condition, if any. */
    filter?: string;
    /** Rows the scan returned (all loops); `undefined` when not analyzed. */
    rowsReturned?: number;
    /** Rows the filter discarded (all loops); `undefined` when not analyzed or without a filter. */
    rowsRemovedByFilter?: number;
  }[];
  /** Nodes where the planner's row estimate was off by 10x or more. */
  rowEstimateErrors: {
    /** The plan node, e.g. `Seq Scan on users`. */
    node: string;
    /** Rows the planner expected (all loops). */
    estimated: number;
    /** Rows the node actually produced (all loops). */
    actual: number;
  }[];
  /** Sorts that spilled to disk. */
  diskSorts: {
    /** The plan node. */
    node: string;
    /** Disk space the sort used, in kB. */
    spaceKb?: number;
    /** The sort method, e.g. `external merge`. */
    method?: string;
  }[];
  /** `CREATE INDEX …` where a selective filter scanned a large table; absent when no index would help. */
  indexSuggestion?: string;
  /** The raw plan (JSON), for tools. */
  plan?: unknown;
  /** Why no plan could be taken, if so. */
  error?: string;
}

/** One problem the analyzer found in a scope, with where it came from and what to change. */
export interface Finding {
  /** What kind of problem. */
  kind: FindingKind;
  /** The statement shape (libpg_query fingerprint); the same as in `CapturedQuery.fingerprint` and `IgnoreRule`. */
  fingerprint: string;
  /** N+1: statements in the group; duplicate: executions of the repeated statement; slow: slow executions; contention: waits; over-fetching: reads that loaded the unread relation. */
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
  /** The entity (and relation) the statement loads, when known; over-fetching: the entity whose relation was not read. */
  entity?: string;
  /** N+1: the relation property to load instead of looping (e.g. `"user"`), when known; over-fetching: the relation loaded and not read. */
  relation?: string;
  /** Slow: the slowest duration; others: total duration of the group. */
  durationMs: number;
  /** Slow findings with `explainSlowQueries`. */
  plan?: PlanSummary;
  /** Contention: the lock waited on. */
  lock?: LockInfo;
  /** Contention: who held it, when known. */
  blocker?: BlockerInfo;
  /** The server that ran the sample statement: `"primary"`, or a read replica's name (`"replica-1"`). */
  server: string;
}

/** What one scope (unit of work, `analyzer.scope`, HTTP request) ran and what the analyzer found. */
export interface AnalysisReport {
  /** Name of the scope: the unit of work's `name`, the `analyzer.scope` name, or the request. */
  scope: string;
  /** Statements the scope ran (all of them, also when `queries` was cut at `maxQueriesPerReport`). */
  queryCount: number;
  /** Sum of the statements' durations, in ms. */
  totalDurationMs: number;
  /** The statements, in order, at most `maxQueriesPerReport` of them. */
  queries: CapturedQuery[];
  /** The problems found; empty when there were none (or they were ignored). */
  findings: Finding[];
}

/** Totals per statement shape across all scopes (`analyzer.stats()`). */
export interface FingerprintStats {
  /** The statement shape. */
  fingerprint: string;
  /** A sample statement. */
  sql: string;
  /** Executions across all scopes. */
  calls: number;
  /** Total duration, in ms. */
  totalMs: number;
  /** Mean duration, in ms. */
  meanMs: number;
  /** Longest duration, in ms. */
  maxMs: number;
}
