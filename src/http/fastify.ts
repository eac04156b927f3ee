/**
 * Fastify 5 adapter (`unitwork/fastify`): a plugin plus a route-handler wrapper. Fastify is an optional
 * peer dependency: it is imported for its types only.
 *
 * @example
 * ```ts
 * import { unitworkPlugin } from "unitwork/fastify";
 *
 * await app.register(unitworkPlugin, { uw });
 * app.post("/users", app.withUnitOfWork((request, _reply, scope) => scope.resolve(UserService).create(request.body)));
 * ```
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Unitwork } from "../bootstrap";
import { clientGoneSignal } from "./client-gone";
import { incomingConsistencyToken, outgoingConsistencyToken } from "./consistency-token";
import { mapError } from "./error-mapper";
import { healthResponse, type HealthHandlerOptions } from "./health-handler";
import { toReply } from "./http-reply";
import { requestIdFrom } from "./request-id";
import { markUntrustedRequest } from "./mark-untrusted-request";
import { settingsOfRequest, withUnitOfWork, type RequestScope, type WithUnitOfWorkOptions } from "./with-unit-of-work";

/** A route handler for {@link fastifyHandler}: Fastify's request and reply plus the {@link RequestScope}; returns the body. */
export type FastifyScopedHandler<R> = (request: FastifyRequest, reply: FastifyReply, scope: RequestScope) => R | Promise<R>;

/**
 * A Fastify route handler running `handler` in one unit of work and one request container; its result
 * (a body or `reply(status, body, headers)`) is sent after COMMIT. Errors are thrown on, after the
 * rollback, to Fastify's error handler. {@link unitworkPlugin} offers the same as `app.withUnitOfWork`.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { fastifyErrorHandler, fastifyHandler } from "unitwork/fastify";
 *
 * const app = Fastify();
 * app.setErrorHandler(fastifyErrorHandler(uw));
 * app.get("/users/:uuid", fastifyHandler(uw, (request, _reply, scope) =>
 *   scope.resolve(UserService).getByUuid((request.params as { uuid: string }).uuid), { readOnly: true }));
 * ```
 */
export function fastifyHandler<R>(uw: Unitwork, handler: FastifyScopedHandler<R>, options?: WithUnitOfWorkOptions<FastifyRequest>) {
  const run = withUnitOfWork<{ request: FastifyRequest; reply: FastifyReply }, R>(uw, ({ request, reply }, scope) => handler(request, reply, scope), settingsOfRequest(options, ({ request }) => request));
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    markUntrustedRequest(request);
    const requestId = requestIdFrom(request.headers["x-request-id"]);
    reply.header("X-Request-Id", requestId);
    const clientGone = clientGoneSignal(reply.raw);
    let outcome;
    try {
      const consistencyToken = incomingConsistencyToken(options?.consistencyToken, request.headers);
      outcome = await run({ request, reply }, { requestId, name: `${request.method} ${request.routeOptions.url ?? request.url}`, signal: clientGone.signal, consistencyToken });
    } finally {
      clientGone.done();
    }
    if (reply.sent) return reply;
    if (outcome.serverTiming) reply.header("Server-Timing", outcome.serverTiming);
    const token = outgoingConsistencyToken(options?.consistencyToken, outcome.consistencyToken);
    if (token.header) reply.header(...token.header);
    if (token.setCookie) reply.header("Set-Cookie", token.setCookie);
    const { status, body, headers } = toReply(outcome.result);
    reply.code(status).headers(headers);
    return body === undefined ? reply.send() : reply.send(body);
  };
}

/**
 * A health route handler: 200 when the database answers, 503 when not, with `{ ok, latencyMs }`, or
 * the whole `uw.health({ details: true })` report with `{ details: true }` (for an internal port).
 *
 * @example
 * ```ts
 * import { healthHandler } from "unitwork/fastify";
 *
 * app.get("/health", healthHandler(uw));
 * ```
 */
export function healthHandler(uw: Pick<Unitwork, "health">, options: HealthHandlerOptions = {}) {
  return async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { status, body, headers } = await healthResponse(uw, options);
    return reply.code(status).headers(headers).send(body);
  };
}

/**
 * A Fastify error handler answering with {@link mapError}; 5xx are logged with the request id.
 * {@link unitworkPlugin} installs it unless `mapErrors: false`.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { fastifyErrorHandler } from "unitwork/fastify";
 *
 * const app = Fastify();
 * app.setErrorHandler(fastifyErrorHandler(uw));
 * ```
 */
export function fastifyErrorHandler(uw: Pick<Unitwork, "logger">) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const requestId = String(reply.getHeader("X-Request-Id") ?? requestIdFrom(request.headers["x-request-id"]));
    const mapped = mapError(error, requestId);
    if (mapped.unexpected) uw.logger.error({ requestId, err: error, method: request.method, url: request.url }, "request failed");
    return reply.code(mapped.status).headers(mapped.headers).send(mapped.body);
  };
}

/** Options of {@link unitworkPlugin}. */
export interface UnitworkPluginOptions {
  /** The unitwork every route of the instance uses. */
  uw: Unitwork;
  /** Defaults for every `withUnitOfWork` route of this instance. */
  defaults?: WithUnitOfWorkOptions<FastifyRequest>;
  /** Install {@link fastifyErrorHandler} (default `true`). */
  mapErrors?: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The unitwork given to `unitworkPlugin`. */
    unitwork: Unitwork;
    /** `fastifyHandler(uw, handler, { ...defaults, ...options })` for this instance's unitwork. */
    withUnitOfWork<R>(handler: FastifyScopedHandler<R>, options?: WithUnitOfWorkOptions<FastifyRequest>): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  }
}

/**
 * Fastify plugin: decorates the instance with `unitwork` and `withUnitOfWork(handler, options)`, and
 * installs the error mapper. Registered without encapsulation, like a `fastify-plugin` plugin.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { reply } from "unitwork";
 * import { unitworkPlugin } from "unitwork/fastify";
 *
 * const app = Fastify();
 * await app.register(unitworkPlugin, { uw, defaults: { timeoutMs: 5_000 } });
 * app.post("/users", app.withUnitOfWork(async (request, _reply, scope) =>
 *   reply(201, await scope.resolve(UserService).create(request.body))));
 * ```
 */
export function unitworkPlugin(instance: FastifyInstance, options: UnitworkPluginOptions, done: (error?: Error) => void): void {
  const { uw, defaults, mapErrors = true } = options;
  instance.decorate("unitwork", uw);
  instance.decorate("withUnitOfWork", <R>(handler: FastifyScopedHandler<R>, routeOptions?: WithUnitOfWorkOptions<FastifyRequest>) =>
    fastifyHandler(uw, handler, { ...defaults, ...routeOptions }));
  if (mapErrors) instance.setErrorHandler(fastifyErrorHandler(uw));
  done();
}
(unitworkPlugin as unknown as Record<symbol, unknown>)[Symbol.for("skip-override")] = true;
(unitworkPlugin as unknown as Record<symbol, unknown>)[Symbol.for("fastify.display-name")] = "unitwork";
