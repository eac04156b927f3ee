import type { Unitwork } from "../bootstrap";
import { applicationContainer, createRequestContainer, type DependencyContainer, type InjectionToken } from "../di/request-container";
import { InvalidConfigError } from "../errors";
import { checkUnitOfWorkOptions, type TransactionSettings, type UnitOfWorkContext, type UnitOfWorkOptions } from "../unit-of-work";
import { serverTiming, type AnalysisReportLike } from "./analyzer-port";
import { checkConsistencyTokenCarrier, type ConsistencyTokenCarrier } from "./consistency-token";
import { requestIdFrom } from "./request-id";

/** What a wrapped handler gets besides its framework's request: the request id, the request's container and unit of work. */
export interface RequestScope {
  /** The request id (the caller's, or a fresh uuid). */
  readonly requestId: string;
  /** The request's child container; resolve services from it. */
  readonly container: DependencyContainer;
  /** The request's unit of work (`undefined` with `transactional: false`). */
  readonly unitOfWork: UnitOfWorkContext | undefined;
  /** Shorthand for `container.resolve(token)`. */
  resolve<T>(token: InjectionToken<T>): T;
}

/**
 * Options of {@link withUnitOfWork} and the adapters: every `UnitOfWorkOptions`, plus these. `Req` is
 * what a `settings` function is given: Express's `req`, Fastify's `request`, Koa's `ctx`, or
 * `withUnitOfWork`'s input.
 */
export interface WithUnitOfWorkOptions<Req = unknown> extends Omit<UnitOfWorkOptions, "settings"> {
  /**
   * The request's transaction settings (see `UnitOfWorkOptions.settings`): fixed ones, or a function
   * of the request that computes them (e.g. the tenant of an authenticated request, for row-level
   * security). It runs before the unit of work begins; what it throws fails the request (nothing has
   * begun); `undefined` means no settings. Needs `transactional` (the default).
   *
   * @example
   * app.get("/organizations", expressHandler(uw, (_req, _res, scope) => scope.resolve(OrganizationService).list(), {
   *   settings: (req) => ({ "app.tenant_id": String(req.user.tenantId) }),
   * }));
   */
  settings?: TransactionSettings | ((request: Req) => TransactionSettings | undefined | Promise<TransactionSettings | undefined>);
  /**
   * `false` opts the route out of the request's unit of work (streaming or long read-only routes): the
   * handler still gets a request container, and repositories auto-commit each call. Default `true`.
   */
  transactional?: boolean;
  /** Parent container (with `registerUnitwork` applied); by default one per unitwork, made on first use. */
  container?: DependencyContainer;
  /** Open an analyzer scope per request when `uw.analyzer` exists (default `true`). */
  analyze?: boolean;
  /** Set the `Server-Timing` header from the request's analyzer report (default `true`). */
  serverTiming?: boolean;
  /**
   * With read replicas: carry the request's consistency token across requests, in a header and/or a
   * cookie (opt-in). The adapters read it from the request (so the request reads what the client wrote
   * before) and send the new one after a commit. Each request is a read-your-writes session either way.
   */
  consistencyToken?: ConsistencyTokenCarrier;
}

/** Per call: the request id (a header value; replaced by a fresh uuid when missing or unsafe) and a name for logs and reports. */
export interface RequestInfo {
  /** The incoming request id, e.g. the `X-Request-Id` header value; a fresh uuid is used when it is missing or unsafe. */
  requestId?: string | readonly string[];
  /** Name of the unit of work and analyzer scope (default `"request"`); the `name` option wins over it. */
  name?: string;
  /** Aborts the request's unit of work (the adapters pass one that fires when the client goes away). */
  signal?: AbortSignal;
  /** The consistency token the client sent back (read replicas); a malformed one is an `InvalidQueryError` (400). */
  consistencyToken?: string;
}

/** What the wrapped handler produced, after COMMIT: the adapter sends it. */
export interface ScopedOutcome<R> {
  /** What the handler returned. */
  result: R;
  /** The request id used. */
  requestId: string;
  /** The request's analyzer report; `undefined` when the analyzer is off or `analyze: false`. */
  report?: AnalysisReportLike;
  /** Value for the `Server-Timing` header, when enabled and an analyzer report exists. */
  serverTiming?: string;
  /** The consistency token of the request's session after its commits (read replicas); `undefined` when it committed nothing. */
  consistencyToken?: string;
}

/** A framework-neutral request handler: `input` is whatever the adapter passes (req, ctx, …). */
export type ScopedHandler<I, R> = (input: I, scope: RequestScope) => R | Promise<R>;

/**
 * Wraps a request handler so that each call runs in one unit of work and one child container (and, with
 * read replicas, one read-your-writes session: `uw.session`). The
 * returned function resolves only after COMMIT (so an adapter sends the response after the data is
 * durable); when the handler throws, everything it wrote is rolled back, the connection is released and
 * the original error is rethrown. The framework adapters (`unitwork/express`, `unitwork/fastify`,
 * `unitwork/koa`) build on it.
 *
 * @example
 * ```ts
 * import { withUnitOfWork } from "unitwork";
 *
 * const createUser = withUnitOfWork(uw, (body: { email: string }, scope) =>
 *   scope.resolve(UserService).create(body), { timeoutMs: 5_000 });
 * const { result, requestId, serverTiming } = await createUser({ email: "ada@example.com" }, { requestId: "r-1" });
 * ```
 */
export function withUnitOfWork<I, R>(
  uw: Unitwork,
  handler: ScopedHandler<I, R>,
  options: WithUnitOfWorkOptions<I> = {},
): (input: I, info?: RequestInfo) => Promise<ScopedOutcome<R>> {
  const { transactional = true, container: parent, analyze = true, serverTiming: timing = true, settings, consistencyToken: _carrier, ...unitOptions } = options;
  // misspelt options fail when the route is set up, not at its first request
  checkUnitOfWorkOptions(typeof settings === "function" ? unitOptions : { ...unitOptions, settings }, "withUnitOfWork");
  if (settings !== undefined && !transactional) throw new InvalidConfigError("withUnitOfWork: settings need a transaction; drop them or transactional: false");
  checkConsistencyTokenCarrier(options.consistencyToken);
  const serve = scopedHandler(uw, handler, { transactional, parent, analyze, timing, unitOptions, settings });
  // With replicas each request is a session; without, nothing is added to the request's path.
  if (!uw.unitOfWork.replicas) return serve;
  return (input, info = {}) =>
    uw.session(async () => {
      const outcome = await serve(input, info);
      outcome.consistencyToken = uw.consistencyToken();
      return outcome;
    }, { token: info.consistencyToken });
}

interface ScopeOptions<I> {
  transactional: boolean;
  parent: DependencyContainer | undefined;
  analyze: boolean;
  timing: boolean;
  unitOptions: UnitOfWorkOptions;
  settings: WithUnitOfWorkOptions<I>["settings"];
}

/** The request's unit of work, container and analyzer scope around `handler`. */
function scopedHandler<I, R>(uw: Unitwork, handler: ScopedHandler<I, R>, scope: ScopeOptions<I>): (input: I, info?: RequestInfo) => Promise<ScopedOutcome<R>> {
  const { transactional, parent, analyze, timing, unitOptions, settings } = scope;
  return async (input, info = {}) => {
    const requestId = requestIdFrom(info.requestId);
    const name = unitOptions.name ?? info.name ?? "request";
    const container = createRequestContainer(applicationContainer(uw, parent), requestId, () => uw.unitOfWork.current);
    const scopeOf = (unitOfWork: UnitOfWorkContext | undefined): RequestScope => ({
      requestId,
      container,
      unitOfWork,
      resolve: (token) => container.resolve(token),
    });
    // An analyzer that is off (the production default) stays off: a scope would capture even then.
    const analyzer = analyze && uw.analyzer.options.mode !== "off" ? uw.analyzer : undefined;
    const signal = info.signal && unitOptions.signal ? AbortSignal.any([info.signal, unitOptions.signal]) : (info.signal ?? unitOptions.signal);
    const work = async (): Promise<R> => {
      if (!transactional) return handler(input, scopeOf(undefined));
      const requestSettings = typeof settings === "function" ? await settings(input) : settings;
      return uw.unitOfWork.run((ctx) => handler(input, scopeOf(ctx)), { ...unitOptions, name, signal, settings: requestSettings });
    };
    try {
      if (!analyzer) return { result: await work(), requestId };
      // The request is the outermost analyzer scope: its report covers every statement of the request.
      const { result, report } = await analyzer.scope(`${name} ${requestId}`, work);
      logReport(uw, requestId, report);
      return { result, requestId, report, serverTiming: timing ? serverTiming(report) : undefined };
    } catch (error) {
      uw.logger.debug({ requestId, name, err: error }, "request failed");
      throw error;
    } finally {
      await disposeQuietly(uw, container, requestId);
    }
  };
}

/**
 * `options` for `withUnitOfWork`'s `input`, given the options of an adapter whose `settings` function
 * takes the framework's request: `request(input)` picks that out of the input. @internal
 */
export function settingsOfRequest<Req, I>(options: WithUnitOfWorkOptions<Req> | undefined, request: (input: I) => Req): WithUnitOfWorkOptions<I> | undefined {
  const settings = options?.settings;
  if (typeof settings !== "function") return options && { ...options, settings };
  return { ...options, settings: (input: I) => settings(request(input)) };
}

/** One line per request with its request id; the findings in short (the analyzer logs each in full). */
function logReport(uw: Unitwork, requestId: string, report: AnalysisReportLike): void {
  const findings = report.findings.map(({ kind, count, callSite, suggestion, server }) => ({ kind, count, callSite, suggestion, server }));
  const summary = { requestId, scope: report.scope, queryCount: report.queryCount, totalDurationMs: report.totalDurationMs, findings };
  if (findings.length) uw.logger.warn(summary, `request ${requestId}: ${report.queryCount} queries, ${findings.length} finding(s)`);
  else uw.logger.debug(summary, `request ${requestId}: ${report.queryCount} queries`);
}

async function disposeQuietly(uw: Unitwork, container: DependencyContainer, requestId: string): Promise<void> {
  try {
    await container.dispose();
  } catch (error) {
    // The response does not depend on it, but a failing dispose() of a request service must be seen.
    uw.logger.error({ requestId, err: error }, "disposing the request container failed");
  }
}
