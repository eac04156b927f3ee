/**
 * Express 5 adapter (`unitwork/express`). Express is an optional peer dependency: it is imported for
 * its types only.
 *
 * @example
 * ```ts
 * import { expressErrorHandler, expressHandler } from "unitwork/express";
 *
 * app.post("/users", expressHandler(uw, (req, _res, scope) => scope.resolve(UserService).create(req.body)));
 * app.use(expressErrorHandler(uw));
 * ```
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import type { Unitwork } from "../bootstrap";
import { clientGoneSignal } from "./client-gone";
import { incomingConsistencyToken, outgoingConsistencyToken } from "./consistency-token";
import { mapError } from "./error-mapper";
import { healthResponse, type HealthHandlerOptions } from "./health-handler";
import { toReply } from "./http-reply";
import { requestIdFrom } from "./request-id";
import { markUntrustedRequest } from "./mark-untrusted-request";
import { settingsOfRequest, withUnitOfWork, type RequestScope, type WithUnitOfWorkOptions } from "./with-unit-of-work";

/** A route handler for {@link expressHandler}: Express's `req` and `res` plus the {@link RequestScope}; returns the body. */
export type ExpressScopedHandler<R> = (req: Request, res: Response, scope: RequestScope) => R | Promise<R>;

/**
 * An Express route handler running `handler` in one unit of work and one request container. The
 * handler returns the response body (or `reply(status, body, headers)`); it is sent after COMMIT.
 * A handler that writes to `res` itself (streaming; use `transactional: false`) is left alone.
 * Errors go to `next(error)`, after the rollback.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { reply } from "unitwork";
 * import { expressErrorHandler, expressHandler } from "unitwork/express";
 *
 * const app = express();
 * app.use(express.json());
 * app.post("/users", expressHandler(uw, async (req, _res, scope) =>
 *   reply(201, await scope.resolve(UserService).create(req.body))));
 * app.get("/users/:uuid", expressHandler(uw, (req, _res, scope) =>
 *   scope.resolve(UserService).getByUuid(String(req.params.uuid)), { readOnly: true }));
 * app.use(expressErrorHandler(uw));
 * ```
 */
export function expressHandler<R>(uw: Unitwork, handler: ExpressScopedHandler<R>, options?: WithUnitOfWorkOptions<Request>): RequestHandler {
  const run = withUnitOfWork<{ req: Request; res: Response }, R>(uw, ({ req, res }, scope) => handler(req, res, scope), settingsOfRequest(options, ({ req }) => req));
  return async (req, res, next) => {
    markUntrustedRequest(req);
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    res.setHeader("X-Request-Id", requestId);
    const clientGone = clientGoneSignal(res);
    try {
      const consistencyToken = incomingConsistencyToken(options?.consistencyToken, req.headers);
      const outcome = await run({ req, res }, { requestId, name: `${req.method} ${routePath(req)}`, signal: clientGone.signal, consistencyToken });
      clientGone.done();
      if (res.headersSent) return;
      if (outcome.serverTiming) res.setHeader("Server-Timing", outcome.serverTiming);
      const token = outgoingConsistencyToken(options?.consistencyToken, outcome.consistencyToken);
      if (token.header) res.setHeader(...token.header);
      if (token.setCookie) res.append("Set-Cookie", token.setCookie);
      const { status, body, headers } = toReply(outcome.result);
      res.status(status).set(headers);
      if (body === undefined) res.end();
      else res.json(body);
    } catch (error) {
      clientGone.done();
      next(error);
    }
  };
}

/**
 * A health endpoint: 200 when the database answers, 503 when not, with `{ ok, latencyMs }`, or the
 * whole `uw.health({ details: true })` report with `{ details: true }` (for an internal port).
 *
 * @example
 * ```ts
 * import { healthHandler } from "unitwork/express";
 *
 * app.get("/health", healthHandler(uw));
 * internalApp.get("/health", healthHandler(uw, { details: true }));
 * ```
 */
export function healthHandler(uw: Pick<Unitwork, "health">, options: HealthHandlerOptions = {}): RequestHandler {
  return async (_req, res) => {
    const { status, body, headers } = await healthResponse(uw, options);
    res.status(status).set(headers).json(body);
  };
}

/**
 * Express error middleware answering with {@link mapError}: typed unitwork errors get their status and
 * a JSON body; anything else is a 500 that is logged (with the request id) but not leaked. Register it last.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { expressErrorHandler } from "unitwork/express";
 *
 * const app = express();
 * // … routes …
 * app.use(expressErrorHandler(uw));
 * ```
 */
export function expressErrorHandler(uw: Pick<Unitwork, "logger">): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const requestId = String(res.getHeader("X-Request-Id") ?? requestIdFrom(req.headers["x-request-id"]));
    const mapped = mapError(error, requestId);
    if (mapped.unexpected) uw.logger.error({ requestId, err: error, method: req.method, url: req.originalUrl }, "request failed");
    res.status(mapped.status).set(mapped.headers).json(mapped.body);
  };
}

function routePath(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === "string" ? `${req.baseUrl}${route.path}` : req.path;
}
