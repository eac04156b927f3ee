import { channel } from "node:diagnostics_channel";
import type { AfterQueryEvent, BeforeQueryEvent, DataSource, EntitySubscriberInterface } from "typeorm";
import type { UnitworkLogger } from "../config";
import type { ContextStore, Frame, UnitOfWork } from "../unit-of-work";
import type { AnalysisReport, CapturedQuery, FingerprintStats } from "./analysis-report";
import { AnalysisScope, type StatementRecord } from "./analysis-scope";
import { resolveAnalyzerOptions, type QueryAnalyzerOptions, type ResolvedAnalyzerOptions } from "./analyzer-options";
import { CallSiteTracer } from "./call-site-tracer";
import { buildFindings } from "./build-findings";
import { traceEntityManagers } from "./entity-manager-tracing";
import { LOCK_FAILURES, isContention } from "./contention-rule";
import type { SampledBlocker } from "./lock-sample";
import { LockSampler, type InFlight } from "./lock-sampler";
import { OverFetchWatch } from "./over-fetch-watch";
import { traceQueryResultCache } from "./query-cache-tracing";
import { traceRelationLoader } from "./relation-loader-tracing";
import type { OperationTag } from "./operation-tag";
import { QueryAnalysisError } from "./query-analysis-error";
import { captureStack, type CapturedStack } from "./stack-frames";
import { formatFrame } from "./source-position";
import { isTransactionControl, loadStatementParser, statementShape } from "./statement-shape";

interface Pending {
  sql: string;
  parameters: readonly unknown[];
  scope?: AnalysisScope;
  stack?: CapturedStack;
  tag?: OperationTag;
  started: number;
  transaction?: object;
  /** `primary`, or the read replica's name. */
  server: string;
  /** Watched by the lock sampler while in flight (statements of a scope on a known backend). */
  inFlight?: InFlight;
}

interface Totals {
  sql: string;
  calls: number;
  totalMs: number;
  maxMs: number;
}

/**
 * Where analyzers announce that they were created or disposed (`{ event, analyzer }`), so that test
 * tooling (`unitwork/testing`) can find them without a registry in the library.
 */
export const ANALYZER_CHANNEL = "unitwork:analyzer";
const lifecycle = channel(ANALYZER_CHANNEL);
/** Statements with more bound values are kept without them (and never compared). */
const MAX_KEPT_PARAMETERS = 2000;
const OMITTED: readonly unknown[] = Object.freeze([]);
const LOCKING_READ = /\bFOR\s+(NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(KEY\s+)?SHARE\b/i;

/**
 * Sees every statement its DataSource runs and reports, per scope (each outermost unit of work,
 * each `scope(name, fn)`, each HTTP request), N+1 loops, duplicate reads and slow statements with
 * the application call site and a concrete fix. One per `createUnitwork` (`uw.analyzer`).
 *
 * @example
 * const { result, report } = await uw.analyzer.scope("list posts", () => listPostsWithAuthors());
 * for (const f of report.findings) console.log(f.kind, f.callSite, f.suggestion);
 * uw.analyzer.onReport((r) => metrics.histogram("queries_per_scope", r.queryCount));
 */
export class QueryAnalyzer {
  #settings: ResolvedAnalyzerOptions;
  readonly #logger: UnitworkLogger;
  readonly #context: ContextStore;
  readonly #unitOfWork: UnitOfWork;
  readonly #unitScopes = new WeakMap<Frame, AnalysisScope>();
  /** The open units of work of this process by server process id: who holds a lock another unit waits on. */
  readonly #unitsByPid = new Map<number, AnalysisScope>();
  readonly #unitPids = new WeakMap<Frame, { pid: number; scope: AnalysisScope }>();
  readonly #locks: LockSampler;
  readonly #pending = new WeakMap<object, Pending[]>();
  readonly #totals = new Map<string, Totals>();
  readonly #listeners: ((report: AnalysisReport) => void)[] = [];
  /** Listeners to reports with findings only: a scope that cannot have any never builds a report for them. */
  readonly #findingListeners: ((report: AnalysisReport) => void)[] = [];
  readonly #subscriber: EntitySubscriberInterface;
  readonly #detachUnitOfWork: () => void;
  readonly #untraceManagers: () => void;
  #explicitScopes = 0;
  #disposed = false;
  /** @internal the repositories' call-site tracer (`RepositoryRuntime.callSites`). */
  readonly callSites: CallSiteTracer;
  /** @internal which loaded relations are read (`overFetching`; `RepositoryRuntime.overFetch`). */
  readonly overFetch: OverFetchWatch;

  /**
   * @internal use `createUnitwork({ analyzer })`; `uw.analyzer` is the instance.
   * @param dataSource The TypeORM DataSource whose statements the analyzer sees.
   */
  constructor(readonly dataSource: DataSource, context: ContextStore, unitOfWork: UnitOfWork, options: QueryAnalyzerOptions, logger: UnitworkLogger) {
    this.#context = context;
    this.#unitOfWork = unitOfWork;
    this.#settings = resolveAnalyzerOptions(options);
    this.#logger = options.logger ?? logger;
    if (options.onReport) this.#listeners.push(options.onReport);
    this.callSites = new CallSiteTracer(context, () => this.#capturing);
    this.#locks = new LockSampler(dataSource, this.#logger, (pid, relation, query) => this.#blocker(pid, relation, query));
    this.#subscriber = {
      beforeQuery: (event: BeforeQueryEvent) => this.#before(event),
      afterQuery: (event: AfterQueryEvent) => this.#after(event),
    };
    dataSource.subscribers.push(this.#subscriber);
    const untraceManagers = traceEntityManagers(dataSource, this.callSites);
    const untraceLoader = traceRelationLoader(dataSource, this.callSites);
    const untraceCache = traceQueryResultCache(dataSource, context);
    this.overFetch = new OverFetchWatch(dataSource, context, this.#logger);
    this.overFetch.configure(options.overFetching, this.#settings.overFetching);
    this.#untraceManagers = () => {
      untraceCache();
      untraceLoader();
      untraceManagers();
    };
    this.#detachUnitOfWork = unitOfWork.addListener({
      unitStarted: (frame) => this.#unitStarted(frame),
      beforeCommit: (frame, result) => this.#beforeCommit(frame, result),
      unitEnded: (frame, error, result) => this.#unitEnded(frame, error, result),
    });
    if (lifecycle.hasSubscribers) lifecycle.publish({ event: "created", analyzer: this });
  }

  /** @internal loads the SQL parser unless the analyzer is off; `createUnitwork` awaits it. */
  static async create(dataSource: DataSource, context: ContextStore, unitOfWork: UnitOfWork, options: QueryAnalyzerOptions, logger: UnitworkLogger): Promise<QueryAnalyzer> {
    // An analyzer that is off (production) does not load the parser (about 10 MB) until it is needed.
    if (resolveAnalyzerOptions(options).mode !== "off") await loadStatementParser();
    return new QueryAnalyzer(dataSource, context, unitOfWork, options, logger);
  }

  /**
   * The options in effect, defaults filled in.
   *
   * @example
   * if (uw.analyzer.options.mode === "off") console.log("query analysis is disabled");
   */
  get options(): Readonly<ResolvedAnalyzerOptions> {
    return this.#settings;
  }

  /**
   * Changes options at run time (e.g. `{ mode: "throw" }` in a test); options not given keep their value.
   *
   * @example
   * beforeAll(() => uw.analyzer.configure({ mode: "throw", nPlusOneThreshold: 2 }));
   */
  configure(options: QueryAnalyzerOptions): void {
    this.#settings = resolveAnalyzerOptions({ ...this.#settings, ...options });
    if (options.onReport) this.#listeners.push(options.onReport);
    this.overFetch.configure(options.overFetching, this.#settings.overFetching);
    if (this.#settings.mode !== "off") {
      // Statements seen before the parser is ready get a plain-text fingerprint.
      loadStatementParser().catch((error: unknown) => this.#logger.error({ err: error }, "query analyzer: could not load the SQL parser"));
    }
  }

  /**
   * Runs `fn` as one scope and returns its result with the report. Scopes nest: statements count in
   * every enclosing scope; only the outermost one logs or throws (`"throw"` mode). A scope captures
   * even in `"off"` mode, so the report is always filled.
   *
   * @example
   * const { result: list, report } = await uw.analyzer.scope("list posts", () => posts.findMany({ relations: { author: true } }));
   * console.log(report.queryCount, report.findings.length);
   */
  async scope<R>(name: string, fn: () => R | Promise<R>): Promise<{
    /** What `fn` returned. */
    result: R;
    /** What the scope ran and found. */
    report: AnalysisReport;
  }> {
    await loadStatementParser();
    const scope = new AnalysisScope(name, this.#innermost());
    this.#explicitScopes++;
    let result: R;
    try {
      result = await this.#context.with({ analysis: scope }, fn);
    } catch (error) {
      // A unit of work inside it already threw its findings (before COMMIT): they are not logged again.
      await this.#finish(scope, false, false, error instanceof QueryAnalysisError);
      throw error;
    } finally {
      this.#explicitScopes--;
    }
    const report = await this.#finish(scope, true, false, false, { result });
    return { result, report };
  }

  /**
   * Calls `listener` with the report of every scope (also those without findings); returns an
   * unsubscribe function. A listener that throws is logged, never breaks the scope.
   *
   * @example
   * const unsubscribe = uw.analyzer.onReport((report) => {
   *   if (report.findings.length) console.warn(report.scope, report.findings.map((f) => f.kind));
   * });
   * unsubscribe(); // later
   */
  onReport(listener: (report: AnalysisReport) => void): () => void {
    return subscribe(this.#listeners, listener);
  }

  /** @internal like `onReport`, for reports with findings only (telemetry's span events). */
  onFindings(listener: (report: AnalysisReport) => void): () => void {
    return subscribe(this.#findingListeners, listener);
  }

  /**
   * Totals per statement shape across all statements seen (slowest total first), inside scopes or not,
   * since the analyzer was created or `resetStats()` was called. Only captured statements count, so
   * nothing is counted in `"off"` mode outside explicit `scope()` calls.
   *
   * @example
   * for (const s of uw.analyzer.stats().slice(0, 5)) console.log(s.calls, s.meanMs.toFixed(1), s.sql);
   */
  stats(): FingerprintStats[] {
    return [...this.#totals.entries()]
      .map(([fingerprint, t]) => ({ fingerprint, sql: t.sql, calls: t.calls, totalMs: t.totalMs, meanMs: t.totalMs / t.calls, maxMs: t.maxMs }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  /**
   * Forgets the totals of `stats()`.
   *
   * @example
   * afterEach(() => uw.analyzer.resetStats());
   */
  resetStats(): void {
    this.#totals.clear();
  }

  /** @internal detaches from the DataSource and the unit of work (`uw.close()` calls it). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const at = this.dataSource.subscribers.indexOf(this.#subscriber);
    if (at >= 0) this.dataSource.subscribers.splice(at, 1);
    this.#detachUnitOfWork();
    this.overFetch.dispose();
    this.#untraceManagers();
    this.#locks.dispose();
    if (lifecycle.hasSubscribers) lifecycle.publish({ event: "disposed", analyzer: this });
  }

  // ---------------------------------------------------------------- capture (hot path)

  get #capturing(): boolean {
    return !this.#disposed && (this.#settings.mode !== "off" || this.#explicitScopes > 0);
  }

  #innermost(): AnalysisScope | undefined {
    const scope = this.#context.current.analysis;
    return scope && !scope.ended ? scope : undefined;
  }

  #before(event: BeforeQueryEvent): void {
    if (!this.#capturing) return;
    const context = this.#context.current;
    if (context.internal || isTransactionControl(event.query)) return;
    const scope = context.analysis && !context.analysis.ended ? context.analysis : undefined;
    const tag = context.operation;
    const parameters = (event.parameters ?? []) as readonly unknown[];
    const pending: Pending = {
      sql: event.query,
      // unitwork's own bulk chunks are never compared; holding their parameters would hold the data.
      parameters: tag?.kind === "bulk" || parameters.length > MAX_KEPT_PARAMETERS ? OMITTED : parameters,
      scope,
      // A repository call carries its site; a direct TypeORM call is traced here, where the chain
      // of awaits still leads back to the application (V8 async stack traces).
      stack: context.callSite ?? (scope ? captureStack() : undefined),
      tag,
      started: performance.now(),
      transaction: context.frame?.transaction ?? undefined,
      server: this.#unitOfWork.serverOf(event.queryRunner),
    };
    // Locks are sampled on the primary (a replica's pids mean nothing there).
    if (scope && pending.server === "primary") {
      const pid = (event.queryRunner as { databaseConnection?: { processID?: number } }).databaseConnection?.processID;
      if (pid !== undefined) pending.inFlight = this.#locks.begin(pid, pending.started, this.#sampleAfter(context.frame?.transaction?.lockTimeoutMs));
    }
    const queue = this.#pending.get(event.queryRunner);
    if (queue) queue.push(pending);
    else this.#pending.set(event.queryRunner, [pending]);
  }

  #after(event: AfterQueryEvent): void {
    const queue = this.#pending.get(event.queryRunner);
    if (!queue?.length) return;
    let at = 0;
    while (at < queue.length && (queue[at]!.sql !== event.query || (queue[at]!.parameters !== OMITTED && event.parameters !== undefined && queue[at]!.parameters !== event.parameters))) at++;
    if (at === queue.length) return;
    const pending = queue.splice(at, 1)[0]!;
    const durationMs = performance.now() - pending.started;
    if (pending.inFlight) this.#locks.end(pending.inFlight);
    const shape = statementShape(pending.sql);
    let totals = this.#totals.get(shape.fingerprint);
    if (!totals) this.#totals.set(shape.fingerprint, (totals = { sql: pending.sql, calls: 0, totalMs: 0, maxMs: 0 }));
    totals.calls++;
    totals.totalMs += durationMs;
    if (durationMs > totals.maxMs) totals.maxMs = durationMs;
    const raw = event.rawResults as { rows?: unknown[]; rowCount?: number | null } | undefined;
    const record: StatementRecord = {
      sql: pending.sql,
      parameters: pending.parameters,
      shape,
      durationMs,
      rows: raw?.rows?.length || raw?.rowCount || 0,
      success: event.success,
      stack: pending.stack,
      tag: pending.tag,
      opaque: pending.parameters === OMITTED && !!event.parameters?.length,
      transaction: pending.transaction,
      server: pending.server,
    };
    if (pending.inFlight && pending.inFlight.tries > 0) {
      record.lockWatch = pending.inFlight;
      record.pid = pending.inFlight.pid;
    }
    if (!event.success) this.#lockFailure(record, event.error, pending.inFlight?.pid);
    if (pending.scope) pending.scope.add(record);
    else if (durationMs > this.#settings.slowQueryMs && this.#settings.mode !== "off") this.#reportLoose(record);
  }

  /**
   * When a statement still in flight is looked at: a wait longer than `lockWaitMs` is still going on at
   * three quarters of it (and a unit's `lock_timeout` must not expire first). Faster statements are never sampled.
   */
  #sampleAfter(lockTimeoutMs: number | undefined): number {
    const after = this.#settings.lockWaitMs * 0.75;
    return Math.max(10, lockTimeoutMs === undefined ? after : Math.min(after, lockTimeoutMs / 2));
  }

  /** A statement that failed for a lock (40P01, 40001, 55P03) keeps the error's lock details (and, for a deadlock, the other process). */
  #lockFailure(record: StatementRecord, error: unknown, pid: number | undefined): void {
    const e = error as { code?: unknown; message?: unknown; detail?: unknown; where?: unknown } | undefined;
    if (typeof e?.code !== "string" || !LOCK_FAILURES.has(e.code)) return;
    const detail = typeof e.detail === "string" ? e.detail : undefined;
    const where = typeof e.where === "string" ? e.where : undefined;
    record.lockFailure = { sqlState: e.code, message: String(e.message ?? ""), detail, where };
    record.pid = pid;
    const other = pid !== undefined && detail ? new RegExp(`Process ${pid} waits for \\w+ on [^;]+; blocked by process (\\d+)`).exec(detail)?.[1] : undefined;
    if (record.lockWait?.blocker || e.code === "40001") return;
    const relation = (where ? /relation "([^"]+)"/.exec(where)?.[1] : undefined) ?? record.lockWait?.relation ?? record.shape.target ?? record.shape.mainTable;
    // A deadlock names the other process; a lock timeout that came before any sample does not, but an
    // open unit of work of this process that is the only one to have written (or locked) the table is it.
    const blocker = other ? Number(other) : this.#onlyUnitHolding(relation, pid);
    if (blocker !== undefined) record.lockWait = { ...record.lockWait, blocker: this.#blocker(blocker, relation, undefined) };
  }

  #onlyUnitHolding(relation: string | undefined, self: number | undefined): number | undefined {
    const table = relation?.replace(/^.*\./, "").replace(/"/g, "");
    if (!table) return undefined;
    let found: number | undefined;
    for (const [pid, unit] of this.#unitsByPid) {
      if (pid === self || !unit.records.some((r) => r.shape.target === table || (r.shape.kind === "select" && r.shape.tables.includes(table) && LOCKING_READ.test(r.sql)))) continue;
      if (found !== undefined) return undefined;
      found = pid;
    }
    return found;
  }

  /**
   * The blocker of a lock as this process knows it: for one of its own units of work, the unit's name
   * and its latest statement on the locked table (its call site); otherwise the statement the other
   * session is running.
   */
  #blocker(pid: number, relation: string | undefined, query: string | undefined): SampledBlocker {
    const unit = this.#unitsByPid.get(pid);
    if (!unit) return { pid, sql: query };
    const table = relation?.replace(/^.*\./, "").replace(/"/g, "");
    let held: StatementRecord | undefined;
    for (let i = unit.records.length - 1; i >= 0 && !held; i--) {
      const r = unit.records[i]!;
      if (table && (r.shape.target === table || (r.shape.kind === "select" && r.shape.tables.includes(table) && LOCKING_READ.test(r.sql)))) held = r;
    }
    held ??= unit.records.at(-1);
    return { pid, unitOfWork: unit.name, sql: held?.sql ?? query, fingerprint: held?.shape.fingerprint, stack: held?.stack };
  }

  // ---------------------------------------------------------------- scopes

  /** An outermost unit of work is a scope of its own: its statements go to it. */
  #unitStarted(frame: Frame): { analysis: AnalysisScope } | undefined {
    if (this.#settings.mode === "off") return undefined;
    const analysis = new AnalysisScope(frame.name ?? `unit of work ${frame.id}`, this.#innermost());
    this.#unitScopes.set(frame, analysis);
    const pid = frame.transaction?.backendPid;
    if (pid !== undefined) {
      this.#unitsByPid.set(pid, analysis);
      this.#unitPids.set(frame, { pid, scope: analysis });
    }
    return { analysis };
  }

  /**
   * `throw` mode decides before COMMIT: a unit of work with findings rolls back and rejects with
   * `QueryAnalysisError`, so nothing the analyzer refuses is committed. It throws even inside an
   * enclosing scope (a request), whose own report then does not log the findings again.
   */
  #beforeCommit(frame: Frame, result: unknown): Promise<void> | void {
    if (this.#settings.mode !== "throw") return;
    const scope = this.#unitScopes.get(frame);
    if (!scope) return;
    // Its records stay until the unit has ended (`#unitEnded` releases them): a unit that waits on
    // this one's locks during its COMMIT still finds the call site of the statement that took them.
    return this.#report(scope, true, true, false, { result }).then(() => undefined);
  }

  #unitEnded(frame: Frame, error: unknown, result: unknown): Promise<void> | void {
    const held = this.#unitPids.get(frame);
    if (held) {
      this.#unitPids.delete(frame);
      if (this.#unitsByPid.get(held.pid) === held.scope) this.#unitsByPid.delete(held.pid);
    }
    const scope = this.#unitScopes.get(frame);
    if (!scope) return;
    this.#unitScopes.delete(frame);
    // Reported before COMMIT (`throw` mode): only its records are left to drop.
    if (scope.ended) return scope.release();
    // Nobody listens and no rule can fire: there is no report to deliver and nothing to log.
    if (this.#listeners.length === 0 && !mayHaveFindings(scope.records, this.#settings) && !this.overFetch.watches(scope)) {
      scope.ended = true;
      scope.release();
      return;
    }
    // A failed unit of work keeps its own error; its report is still delivered and logged.
    return this.#finish(scope, error === undefined, false, false, error === undefined ? { result } : undefined).then(() => undefined);
  }

  /** A slow statement outside any scope is reported on its own. */
  #reportLoose(record: StatementRecord): void {
    const scope = new AnalysisScope("(no scope)", undefined);
    scope.add(record);
    this.#finish(scope, false).catch((error) => this.#logger.error({ err: error }, "query analyzer: could not report a slow statement"));
  }

  /**
   * Ends `scope`: runs the rules, delivers the report, then logs the findings or (`throw` mode, when
   * `mayThrow`) throws them. Only an outermost scope logs or throws, unless `evenNested`; `quiet`
   * delivers the report without logging. `outcome` (the scope's result) is there when it succeeded.
   */
  async #finish(scope: AnalysisScope, mayThrow: boolean, evenNested = false, quiet = false, outcome?: { result: unknown }): Promise<AnalysisReport> {
    try {
      return await this.#report(scope, mayThrow, evenNested, quiet, outcome);
    } finally {
      scope.release();
    }
  }

  /** Runs the rules over the scope's statements and delivers, logs or throws the report. */
  async #report(scope: AnalysisScope, mayThrow: boolean, evenNested: boolean, quiet: boolean, outcome: { result: unknown } | undefined): Promise<AnalysisReport> {
    scope.ended = true;
    await settleLockSamples(scope.records);
    // The rules (and the `internal` context their EXPLAINs run in) only when one of them can fire.
    const findings = mayHaveFindings(scope.records, this.#settings)
      ? await this.#context.with({ internal: true }, () => buildFindings(this.dataSource, scope.records, this.#settings))
      : [];
    findings.push(...this.overFetch.end(scope, outcome, this.#settings.ignore));
    const report: AnalysisReport = {
      scope: scope.name,
      queryCount: scope.queryCount,
      totalDurationMs: scope.totalDurationMs,
      queries: scope.records.slice(0, this.#settings.maxQueriesPerReport).map(toCaptured),
      findings,
    };
    for (const listener of findings.length ? [...this.#listeners, ...this.#findingListeners] : this.#listeners) {
      try {
        listener(report);
      } catch (error) {
        this.#logger.error({ err: error, scope: scope.name }, "query analyzer: an onReport listener threw");
      }
    }
    if (findings.length === 0 || (scope.nested && !evenNested) || this.#settings.mode === "off") return report;
    if (this.#settings.mode === "throw" && mayThrow) throw new QueryAnalysisError(report);
    if (quiet) return report;
    const level = this.#settings.mode === "log" ? "info" : "warn";
    for (const finding of findings) {
      const { plan, parameters: _parameters, ...rest } = finding;
      this.#logger[level](
        { scope: scope.name, ...rest, plan: plan && { ...plan, plan: undefined } },
        `query analyzer: ${finding.kind} (x${finding.count}) at ${finding.callSite}${finding.server === "primary" ? "" : ` on ${finding.server}`}: ${finding.suggestion}`,
      );
    }
    return report;
  }
}

function subscribe<L>(listeners: L[], listener: L): () => void {
  listeners.push(listener);
  return () => {
    const at = listeners.indexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
  };
}

/**
 * Whether any rule could find something in these statements: an N+1 or a duplicate needs one
 * statement shape seen at least twice, a slow finding a statement over `slowQueryMs`. A scope of
 * distinct, fast statements (most units of work) skips the rules altogether.
 */
function mayHaveFindings(records: readonly StatementRecord[], settings: ResolvedAnalyzerOptions): boolean {
  if (records.length === 0) return false;
  const seen = new Set<string>();
  for (const record of records) {
    if (record.durationMs > settings.slowQueryMs || seen.has(record.shape.fingerprint)) return true;
    if ((record.lockWait || record.lockFailure) && isContention(record, settings.lockWaitMs)) return true;
    if (record.lockWatch && record.durationMs > settings.lockWaitMs) return true;
    seen.add(record.shape.fingerprint);
  }
  return false;
}

/** Takes in the lock samples of statements the sampler looked at, waiting for answers still on their way. */
async function settleLockSamples(records: readonly StatementRecord[]): Promise<void> {
  for (const record of records) {
    const watch = record.lockWatch;
    if (!watch) continue;
    if (watch.sampling) await watch.sampling;
    if (watch.sample) record.lockWait = { ...watch.sample, ...record.lockWait };
    record.lockWatch = undefined;
  }
}

function toCaptured(record: StatementRecord): CapturedQuery {
  let callSite: string | null | undefined = null;
  return {
    sql: record.sql,
    parameters: record.parameters,
    fingerprint: record.shape.fingerprint,
    durationMs: record.durationMs,
    rows: record.rows,
    success: record.success,
    // Resolved (stack read, source-mapped) only when someone looks: most reports are never read.
    get callSite() {
      if (callSite === null) {
        const frame = record.stack?.frames[0];
        callSite = frame ? formatFrame(frame) : undefined;
      }
      return callSite;
    },
    operation: record.tag?.kind,
    server: record.server,
  };
}
