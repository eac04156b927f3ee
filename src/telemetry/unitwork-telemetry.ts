import {
  context as otelContext,
  ROOT_CONTEXT,
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type { AfterQueryEvent, BeforeQueryEvent, DataSource, EntitySubscriberInterface } from "typeorm";
import { AfterCommitHookError, translateDatabaseError, UnitworkError } from "../errors";
import { captureStack, isTransactionControl, sourcePosition, type AnalysisReport, type CapturedStack, type QueryAnalyzer } from "../analyzer";
import type { ContextStore, UnitOfWork, UnitRun } from "../unit-of-work";
import { installSqlCommenter } from "./sql-commenter";
import { summarizeStatement, type StatementSummary } from "./statement-summary";
import type { TelemetryOptions } from "./telemetry-options";
import "./telemetry-context";

/** The instrumentation scope name of unitwork's tracer and meter. */
export const INSTRUMENTATION_SCOPE = "unitwork";
/** What the API's proxy provider hands out while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
/** Histogram buckets in seconds (the OpenTelemetry database conventions' advice). */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

interface Instruments {
  unitDuration: Histogram;
  retries: Counter;
  operationDuration: Histogram;
}

/** A SQL text's summary, with the attributes of its duration metric (one object per text: the metric is recorded per statement). */
interface SummaryWithMetric extends StatementSummary {
  readonly metricAttributes: Attributes;
}

interface PendingStatement {
  sql: string;
  span: Span | undefined;
  started: number;
  summary: SummaryWithMetric;
}

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** What `createUnitwork` gives its telemetry. @internal */
export interface TelemetrySettings {
  dataSource: DataSource;
  context: ContextStore;
  unitOfWork: UnitOfWork;
  analyzer: QueryAnalyzer;
  options: TelemetryOptions;
}

/**
 * Traces and metrics of one unitwork instance through `@opentelemetry/api`: a span per outermost unit
 * of work, a child span per statement (with the application's call site), analyzer findings as span
 * events, and the unit-of-work, statement and pool metrics. Without a registered SDK it does nothing
 * but ask the API whether one is there. @internal
 */
export class UnitworkTelemetry {
  readonly #dataSource: DataSource;
  readonly #context: ContextStore;
  readonly #options: TelemetryOptions;
  readonly #statements: boolean;
  /** `code.*` on statement spans: always (`true`), never (`false`), or while the analyzer takes call sites (`undefined`). */
  readonly #callSites: boolean | undefined;
  readonly #analyzer: QueryAnalyzer;
  readonly #namespace: string | undefined;
  readonly #pending = new WeakMap<object, PendingStatement[]>();
  /** SQL text → its operation and table: the texts of an application repeat (bounded). */
  readonly #summaries = new Map<string, SummaryWithMetric>();
  readonly #subscriber: EntitySubscriberInterface;
  readonly #detach: (() => void)[] = [];
  #meters?: { provider: MeterProvider; instruments: Instruments | undefined };
  /** The tracer of the last provider (or SDK behind the API's proxy) asked: asked per statement, it rarely changes. */
  #tracers?: { provider: TracerProvider; tracer: Tracer };

  constructor(settings: TelemetrySettings) {
    this.#dataSource = settings.dataSource;
    this.#context = settings.context;
    this.#options = settings.options;
    this.#statements = settings.options.statements ?? true;
    this.#callSites = settings.options.callSites;
    this.#analyzer = settings.analyzer;
    this.#namespace = databaseName(settings.dataSource);
    this.#subscriber = {
      beforeQuery: (event: BeforeQueryEvent) => this.#beforeQuery(event),
      afterQuery: (event: AfterQueryEvent) => this.#afterQuery(event),
    };
    settings.dataSource.subscribers.push(this.#subscriber);
    this.#detach.push(
      () => {
        const at = settings.dataSource.subscribers.indexOf(this.#subscriber);
        if (at >= 0) settings.dataSource.subscribers.splice(at, 1);
      },
      settings.unitOfWork.addListener({ aroundUnit: (unit, run) => this.#aroundUnit(unit, run) }),
      settings.analyzer.onFindings((report) => this.#findings(report)),
    );
    if (this.#callSites === true) {
      // With the analyzer off, the call site is taken at the repository call (a short stack), not
      // per statement, and not for a unit of work the sampler dropped (its statements have no span).
      this.#detach.push(settings.analyzer.callSites.alsoFor(() => this.#statements && this.#tracer() !== undefined && (this.#context.current.unitSpan?.isRecording() ?? true)));
    }
    if (settings.options.sqlCommenter) this.#detach.push(installSqlCommenter(settings.dataSource, settings.context));
    // The pool's observable metrics exist from the start for a meter provider registered before.
    this.#instruments();
  }

  /** Detaches from the DataSource, the unit of work and the analyzer (`uw.close()`). */
  dispose(): void {
    this.#detach.splice(0).forEach((undo) => undo());
  }

  // ---------------------------------------------------------------- providers

  /** unitwork's tracer, or `undefined` while no SDK is registered (the hot path then stops here). */
  #tracer(): Tracer | undefined {
    let provider: TracerProvider = this.#options.tracerProvider ?? trace.getTracerProvider();
    if (provider instanceof ProxyTracerProvider) {
      // the API's proxy: the SDK registered behind it, if any
      provider = provider.getDelegate();
      if (provider === NOOP_PROVIDER) return undefined;
    }
    if (this.#tracers?.provider !== provider) this.#tracers = { provider, tracer: provider.getTracer(INSTRUMENTATION_SCOPE) };
    return this.#tracers.tracer;
  }

  /** The instruments of the current meter provider, or `undefined` while none is registered. */
  #instruments(): Instruments | undefined {
    const provider = this.#options.meterProvider ?? metrics.getMeterProvider();
    if (this.#meters?.provider === provider) return this.#meters.instruments;
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    let instruments: Instruments | undefined;
    if (meter !== createNoopMeter()) {
      const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
      instruments = {
        unitDuration: meter.createHistogram("unitwork.unit_of_work.duration", { unit: "s", description: "Duration of outermost units of work, all attempts included", advice }),
        retries: meter.createCounter("unitwork.unit_of_work.retries", { unit: "{retry}", description: "Units of work re-run after a serialization failure, deadlock or lost connection" }),
        operationDuration: meter.createHistogram("db.client.operation.duration", { unit: "s", description: "Duration of database client operations", advice }),
      };
      const connections = meter.createObservableUpDownCounter("db.client.connection.count", { unit: "{connection}", description: "Connections of the pool by state" });
      const pending = meter.createObservableUpDownCounter("db.client.connection.pending_requests", { unit: "{request}", description: "Requests waiting for a pool connection" });
      const poolName = this.#namespace ?? "postgresql";
      meter.addBatchObservableCallback((result) => {
        const pool = (this.#dataSource.driver as unknown as { master?: PoolLike } | undefined)?.master;
        if (!pool || !this.#dataSource.isInitialized) return;
        result.observe(connections, pool.idleCount, { "db.client.connection.state": "idle", "db.client.connection.pool.name": poolName });
        result.observe(connections, pool.totalCount - pool.idleCount, { "db.client.connection.state": "used", "db.client.connection.pool.name": poolName });
        result.observe(pending, pool.waitingCount, { "db.client.connection.pool.name": poolName });
      }, [connections, pending]);
    }
    this.#meters = { provider, instruments };
    return instruments;
  }

  // ---------------------------------------------------------------- units of work

  #aroundUnit<R>(unit: UnitRun, run: () => Promise<R>): Promise<R> {
    const tracer = this.#tracer();
    const instruments = this.#instruments();
    if (!tracer && !instruments) return run();
    const started = performance.now();
    let span: Span | undefined;
    let running: Promise<R>;
    if (tracer) {
      const parent = otelContext.active();
      span = tracer.startSpan(unit.name ? `unitwork ${unit.name}` : "unitwork unit of work", { kind: SpanKind.INTERNAL }, parent);
      const traced = span;
      // Also a span the sampler dropped is the parent of the statements: they are dropped with it.
      const unitTrace = trace.setSpan(parent, traced);
      // Kept for the statements when it is the root context's: without a context manager, every statement's active context is the root one.
      running = otelContext.with(unitTrace, () => this.#context.with({ unitSpan: traced, unitTrace: parent === ROOT_CONTEXT ? unitTrace : undefined }, run));
    } else {
      running = run();
    }
    return running.then(
      (result) => {
        this.#unitEnded(unit, span, started, instruments, undefined);
        return result;
      },
      (error: unknown) => {
        this.#unitEnded(unit, span, started, instruments, error);
        throw error;
      },
    );
  }

  #unitEnded(unit: UnitRun, span: Span | undefined, started: number, instruments: Instruments | undefined, error: unknown): void {
    // onCommit hooks run after COMMIT: a failing one leaves the data committed.
    const outcome = error === undefined || error instanceof AfterCommitHookError ? "commit" : "rollback";
    if (instruments) {
      instruments.unitDuration.record((performance.now() - started) / 1000, { "unitwork.outcome": outcome });
      if (unit.attempts > 1) instruments.retries.add(unit.attempts - 1, { "unitwork.outcome": outcome });
    }
    if (!span) return;
    if (span.isRecording()) {
      span.setAttributes({
        "db.system.name": "postgresql",
        "db.namespace": this.#namespace,
        "unitwork.propagation": unit.propagation,
        "unitwork.isolation": unit.isolation ?? "READ COMMITTED",
        "unitwork.read_only": unit.readOnly,
        "unitwork.attempts": unit.attempts,
        "unitwork.outcome": outcome,
      });
      if (error !== undefined) markFailed(span, error);
    }
    span.end();
  }

  // ---------------------------------------------------------------- statements

  #beforeQuery(event: BeforeQueryEvent): void {
    const sql = event.query;
    const tracer = this.#statements ? this.#tracer() : undefined;
    const instruments = this.#instruments();
    if ((!tracer && !instruments) || isTransactionControl(sql)) return;
    const current = this.#context.current;
    if (current.internal) return;
    let summary = this.#summaries.get(sql);
    if (!summary) {
      if (this.#summaries.size >= 2000) this.#summaries.clear();
      const summarized = summarizeStatement(sql);
      const attributes: Attributes = { "db.system.name": "postgresql", "db.operation.name": summarized.operation, "db.namespace": this.#namespace };
      if (summarized.collection) attributes["db.collection.name"] = summarized.collection;
      this.#summaries.set(sql, (summary = { ...summarized, metricAttributes: Object.freeze(attributes) }));
    }
    const { operation, collection } = summary;
    let span: Span | undefined;
    const unitSpan = current.unitSpan;
    if (tracer && (!unitSpan || unitSpan.isRecording())) {
      let parent = otelContext.active();
      if (unitSpan && !trace.getSpan(parent)) parent = parent === ROOT_CONTEXT && current.unitTrace ? current.unitTrace : trace.setSpan(parent, unitSpan);
      span = tracer.startSpan(collection ? `${operation} ${collection}` : operation, { kind: SpanKind.CLIENT }, parent);
      if (span.isRecording()) {
        const attributes: Attributes = {
          "db.system.name": "postgresql",
          "db.namespace": this.#namespace,
          "db.operation.name": operation,
          "db.collection.name": collection,
          // The SQL as sent, with its $n placeholders; the bound values are never read.
          "db.query.text": sql,
        };
        if (this.#callSites !== false) addCallSite(attributes, current.callSite ?? (this.#callSites || this.#analyzer.callSites.analyzing ? captureStack() : undefined));
        span.setAttributes(attributes);
      } else {
        span = undefined;
      }
    }
    const pending: PendingStatement = { sql, span, started: performance.now(), summary };
    const queue = this.#pending.get(event.queryRunner);
    if (queue) queue.push(pending);
    else this.#pending.set(event.queryRunner, [pending]);
  }

  #afterQuery(event: AfterQueryEvent): void {
    const queue = this.#pending.get(event.queryRunner);
    if (!queue?.length) return;
    const at = queue.findIndex((p) => p.sql === event.query);
    if (at < 0) return;
    const pending = queue.splice(at, 1)[0]!;
    const instruments = this.#instruments();
    const failed = event.success ? undefined : (translateDatabaseError(event.error) ?? event.error ?? new Error("statement failed"));
    if (instruments) {
      const attributes = failed ? { ...pending.summary.metricAttributes, "error.type": errorType(failed) } : pending.summary.metricAttributes;
      instruments.operationDuration.record((performance.now() - pending.started) / 1000, attributes);
    }
    const span = pending.span;
    if (!span) return;
    if (event.success) {
      const raw = event.rawResults as { rows?: unknown[]; rowCount?: number | null } | undefined;
      span.setAttribute("db.response.returned_rows", Array.isArray(raw?.rows) ? raw.rows.length : (raw?.rowCount ?? 0));
    } else {
      const sqlState = (event.error as { code?: unknown } | undefined)?.code;
      if (typeof sqlState === "string") span.setAttribute("db.response.status_code", sqlState);
      markFailed(span, failed);
    }
    span.end();
  }

  // ---------------------------------------------------------------- findings

  /** Each analyzer finding becomes a `unitwork.finding` event on its unit of work's span (or the active one). */
  #findings(report: AnalysisReport): void {
    if (report.findings.length === 0) return;
    const span = this.#context.current.unitSpan ?? trace.getSpan(otelContext.active());
    if (!span?.isRecording()) return;
    for (const finding of report.findings) {
      const attributes: Attributes = {
        "unitwork.finding.kind": finding.kind,
        "unitwork.finding.count": finding.count,
        "unitwork.finding.fingerprint": finding.fingerprint,
        "unitwork.finding.suggestion": finding.suggestion,
        "unitwork.finding.call_site": finding.callSite,
        "unitwork.scope": report.scope,
        "db.query.text": finding.sql,
      };
      addCallSite(attributes, finding.callSite);
      span.addEvent("unitwork.finding", attributes);
    }
  }
}

/** `code.file.path`, `code.line.number`, `code.column.number` of the application's call site (a captured stack, or a finding's `file:line:column`). */
function addCallSite(attributes: Attributes, site: CapturedStack | string | undefined): void {
  if (typeof site !== "string") {
    const frame = site?.first;
    if (!frame) return;
    const position = sourcePosition(frame);
    attributes["code.file.path"] = position.file;
    attributes["code.line.number"] = position.line;
    attributes["code.column.number"] = position.column;
    return;
  }
  const match = /^(.*):(\d+):(\d+)$/.exec(site);
  if (!match) return;
  attributes["code.file.path"] = match[1];
  attributes["code.line.number"] = Number(match[2]);
  attributes["code.column.number"] = Number(match[3]);
}

/** The `error.type` of a failure: the `UnitworkError` code, else the error's class name. */
export function errorType(error: unknown): string {
  if (error instanceof UnitworkError) return error.code;
  const translated = translateDatabaseError(error);
  if (translated) return translated.code;
  return error instanceof Error ? error.name : "_OTHER";
}

/**
 * Error status and `error.type`. The message is the error's class and code only: a driver message can
 * quote a value (`invalid input syntax for type integer: "…"`), and no value belongs in a span.
 */
function markFailed(span: Span, error: unknown): void {
  const type = errorType(error);
  span.setAttribute("error.type", type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? `${error.name} (${type})` : type });
}

/** The database name (`db.namespace`): the server's answer at connect, else the options' `database`, else the path of their `url`. */
function databaseName(dataSource: DataSource): string | undefined {
  const connected = (dataSource.driver as { database?: string } | undefined)?.database;
  if (connected) return connected;
  const options = dataSource.options as { database?: string; url?: string };
  if (options.database) return options.database;
  if (!options.url) return undefined;
  try {
    return decodeURIComponent(new URL(options.url).pathname.slice(1)) || undefined;
  } catch {
    return undefined;
  }
}
