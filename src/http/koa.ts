/**
 * Koa 3 adapter (`unitwork/koa`): middleware that runs the rest of the chain in one unit of work, a
 * per-route handler wrapper, and an error middleware. Koa is an optional peer dependency: it is
 * imported for its types only.
 *
 * @example
 * ```ts
 * import { koaErrorHandler, koaUnitOfWork } from "unitwork/koa";
 *
 * app.use(koaErrorHandler(uw));
 * app.use(koaUnitOfWork(uw));   // ctx.state.unitwork: the RequestScope
 * router.get("/users/:uuid", async (ctx) => { ctx.body = await ctx.state.unitwork.resolve(UserService).getByUuid(ctx.params.uuid); });
 * ```
 */
import type { Context, Middleware, Next } from "koa";
import type { Unitwork } from "../bootstrap";
import { clientGoneSignal } from "./client-gone";
import { incomingConsistencyToken, outgoingConsistencyToken, type ConsistencyTokenCarrier } from "./consistency-token";
import { mapError } from "./error-mapper";
import { healthResponse, type HealthHandlerOptions } from "./health-handler";
import { toReply } from "./http-reply";
import { requestIdFrom } from "./request-id";
import { markUntrustedRequest } from "./mark-untrusted-request";
import { settingsOfRequest, withUnitOfWork, type RequestScope, type WithUnitOfWorkOptions } from "./with-unit-of-work";

/** Options of {@link koaUnitOfWork}: those of `withUnitOfWork`, plus `skip`. */
export interface KoaUnitOfWorkOptions extends WithUnitOfWorkOptions<Context> {
  /** Requests for which the middleware does nothing (e.g. streaming routes), given the context. */
  skip?: (ctx: Context) => boolean;
}

/**
 * Middleware: everything downstream runs in the request's unit of work, which commits when the chain
 * resolves, before Koa writes the response. `ctx.state.unitwork` holds the {@link RequestScope}. A
 * response body that is a stream is read after COMMIT, so it must not use the unit of work.
 *
 * @example
 * ```ts
 * import Koa from "koa";
 * import { koaErrorHandler, koaUnitOfWork } from "unitwork/koa";
 *
 * const app = new Koa();
 * app.use(koaErrorHandler(uw));
 * app.use(koaUnitOfWork(uw, { skip: (ctx) => ctx.path.startsWith("/stream") }));
 * app.use(async (ctx) => {
 *   ctx.body = await ctx.state.unitwork.resolve(UserService).getByUuid(ctx.path.slice("/users/".length));
 * });
 * ```
 */
export function koaUnitOfWork(uw: Unitwork, options: KoaUnitOfWorkOptions = {}): Middleware {
  const { skip, ...unitOptions } = options;
  const run = withUnitOfWork<{ ctx: Context; next: Next }, unknown>(uw, async ({ ctx, next }, scope) => {
    ctx.state.unitwork = scope;
    await next();
    return ctx.body; // what Koa sends after the request's scope (the analyzer counts it as read)
  }, settingsOfRequest(unitOptions, ({ ctx }) => ctx));
  return async (ctx, next) => {
    if (skip?.(ctx)) return next();
    markUntrustedRequest(ctx.request as { body?: unknown; query?: unknown });
    const requestId = requestIdOf(ctx);
    const clientGone = clientGoneSignal(ctx.res);
    let outcome;
    try {
      outcome = await run({ ctx, next }, { requestId, name: `${ctx.method} ${ctx.path}`, signal: clientGone.signal, consistencyToken: incomingConsistencyToken(unitOptions.consistencyToken, ctx.headers) });
    } finally {
      clientGone.done();
    }
    if (outcome.serverTiming) ctx.set("Server-Timing", outcome.serverTiming);
    sendToken(ctx, unitOptions.consistencyToken, outcome.consistencyToken);
  };
}

function sendToken(ctx: Context, carrier: ConsistencyTokenCarrier | undefined, consistencyToken: string | undefined): void {
  const token = outgoingConsistencyToken(carrier, consistencyToken);
  if (token.header) ctx.set(...token.header);
  if (token.setCookie) ctx.append("Set-Cookie", token.setCookie);
}

/**
 * A Koa route handler running `handler` in one unit of work; the result (a body or
 * `reply(status, body, headers)`) becomes the response. Behind `koaUnitOfWork` it runs in the
 * middleware's request scope (its unit of work, container and analyzer scope) instead of opening its
 * own, unless the middleware runs without a unit of work (`transactional: false`).
 *
 * @example
 * ```ts
 * import Koa from "koa";
 * import Router from "@koa/router";
 * import { reply } from "unitwork";
 * import { koaErrorHandler, koaHandler } from "unitwork/koa";
 *
 * const app = new Koa();
 * const router = new Router();
 * app.use(koaErrorHandler(uw));
 * // `request.body` comes from a body parser such as @koa/bodyparser (Koa has none built in)
 * router.post("/users", koaHandler(uw, async (ctx, scope) =>
 *   reply(201, await scope.resolve(UserService).create((ctx.request as { body?: unknown }).body))));
 * app.use(router.routes());
 * ```
 */
export function koaHandler<R>(uw: Unitwork, handler: (ctx: Context, scope: RequestScope) => R | Promise<R>, options?: WithUnitOfWorkOptions<Context>): Middleware {
  const run = withUnitOfWork<Context, R>(uw, handler, options);
  const settings = options?.settings;
  return async (ctx) => {
    markUntrustedRequest(ctx.request as { body?: unknown; query?: unknown });
    const scope = (ctx.state as { unitwork?: RequestScope }).unitwork;
    let result: R;
    if (scope?.unitOfWork) {
      // In the middleware's unit of work: the route's own settings must be the ones in effect (a join
      // with others throws IllegalTransactionStateError).
      const own = typeof settings === "function" ? await settings(ctx) : settings;
      result = own ? await uw.unitOfWork.run(() => handler(ctx, scope), { settings: own }) : await handler(ctx, scope);
    } else {
      const clientGone = clientGoneSignal(ctx.res);
      let outcome;
      try {
        outcome = await run(ctx, { requestId: requestIdOf(ctx), name: `${ctx.method} ${ctx.path}`, signal: clientGone.signal, consistencyToken: incomingConsistencyToken(options?.consistencyToken, ctx.headers) });
      } finally {
        clientGone.done();
      }
      if (outcome.serverTiming) ctx.set("Server-Timing", outcome.serverTiming);
      sendToken(ctx, options?.consistencyToken, outcome.consistencyToken);
      result = outcome.result;
    }
    const { status, body, headers } = toReply(result);
    ctx.set(headers);
    ctx.status = status;
    if (body !== undefined) ctx.body = body;
  };
}

/**
 * A health endpoint: 200 when the database answers, 503 when not, with `{ ok, latencyMs }`, or the
 * whole `uw.health({ details: true })` report with `{ details: true }` (for an internal port).
 *
 * @example
 * ```ts
 * import Router from "@koa/router";
 * import { healthHandler } from "unitwork/koa";
 *
 * const router = new Router();
 * router.get("/health", healthHandler(uw));
 * ```
 */
export function healthHandler(uw: Pick<Unitwork, "health">, options: HealthHandlerOptions = {}): Middleware {
  return async (ctx) => {
    const { status, body, headers } = await healthResponse(uw, options);
    ctx.set(headers);
    ctx.status = status;
    ctx.body = body;
  };
}

/**
 * Error middleware (use it first) answering with {@link mapError}; 5xx are logged with the request id.
 *
 * @example
 * ```ts
 * import Koa from "koa";
 * import { koaErrorHandler } from "unitwork/koa";
 *
 * const app = new Koa();
 * app.use(koaErrorHandler(uw));
 * ```
 */
export function koaErrorHandler(uw: Pick<Unitwork, "logger">): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const requestId = requestIdOf(ctx);
      const mapped = mapError(error, requestId);
      if (mapped.unexpected) uw.logger.error({ requestId, err: error, method: ctx.method, url: ctx.url }, "request failed");
      ctx.set(mapped.headers);
      ctx.status = mapped.status;
      ctx.body = mapped.body;
    }
  };
}

/** One id per request, shared by the middlewares and handlers of the request. */
function requestIdOf(ctx: Context): string {
  const state = ctx.state as { requestId?: string };
  if (!state.requestId) {
    state.requestId = requestIdFrom(ctx.get("x-request-id") || undefined);
    ctx.set("X-Request-Id", state.requestId);
  }
  return state.requestId;
}
