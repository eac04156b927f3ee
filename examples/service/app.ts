import "reflect-metadata";
import express, { type Express } from "express";
import type { Unitwork } from "../../src";
import { expressErrorHandler, expressHandler, healthHandler } from "../../src/http/express";
import type { IncomingMessage, ServerResponse } from "node:http";
import querystring from "node:querystring";
import { InvalidQueryError, reply } from "../../src";
import { FunctionInvocation } from "../domain";
import { FunctionInvocationRepository } from "./function-invocation-repository";
import { FunctionService } from "./function-service";
import { UserService } from "./user-service";

export interface ServiceAppOptions {
  /** Largest JSON body accepted (default `"5mb"`, room for 10,000 log lines). */
  bodyLimit?: string;
  /** Serves `GET /metrics` (the Prometheus exporter's handler, see `./telemetry.ts`); absent: no such route. */
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
  /** `GET /health` also reports `uw.health({ details: true })` (lock waits, long transactions, sizes). Default `false`. */
  healthDetails?: boolean;
}

/** Most query parameters a request may carry; Node's own parser would silently drop those past 1,000. */
const MAX_QUERY_PARAMETERS = 1000;

/** Express's "simple" query parser, minus its silent cut: more parameters than the limit is a 400. */
function parseQueryString(query: string | null | undefined): Record<string, unknown> {
  if (!query) return {};
  const count = query.split("&").length;
  if (count > MAX_QUERY_PARAMETERS) {
    throw new InvalidQueryError(`the query string has ${count} parameters; at most ${MAX_QUERY_PARAMETERS} are accepted`);
  }
  return { ...querystring.parse(query, "&", "=", { maxKeys: 0 }) };
}

/**
 * The example service as an Express app: every route runs in one unit of work and one request
 * container (`expressHandler`), and errors become JSON responses (`expressErrorHandler`).
 *
 * @example
 * const app = createServiceApp(uw);
 * app.listen(3000);
 */
export function createServiceApp(uw: Unitwork, options: ServiceAppOptions = {}): Express {
  uw.repositories.register(FunctionInvocation, FunctionInvocationRepository);
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", parseQueryString);
  app.use(express.json({ limit: options.bodyLimit ?? "5mb" }));

  const uuidParam = (value: string | string[] | undefined) => String(value);

  app.post("/users", expressHandler(uw, async (req, _res, scope) => {
    const user = await scope.resolve(UserService).create(req.body);
    return reply(201, user, { Location: `/users/${user.uuid}` });
  }));
  app.get("/users/:uuid", expressHandler(uw, (req, _res, scope) => scope.resolve(UserService).getByUuid(uuidParam(req.params.uuid)), { readOnly: true }));

  app.post("/functions", expressHandler(uw, async (req, _res, scope) => {
    const fn = await scope.resolve(FunctionService).create(req.body);
    return reply(201, fn, { Location: `/functions/${fn.uuid}` });
  }));
  app.get("/functions", expressHandler(uw, (req, _res, scope) => scope.resolve(FunctionService).list(req.query as Record<string, unknown>), { readOnly: true }));
  app.get("/functions/:uuid", expressHandler(uw, (req, _res, scope) => scope.resolve(FunctionService).get(uuidParam(req.params.uuid)), { readOnly: true }));
  app.post("/functions/:uuid/deployments", expressHandler(uw, async (req, _res, scope) =>
    reply(201, await scope.resolve(FunctionService).deploy(uuidParam(req.params.uuid), req.body))));
  app.post("/functions/:uuid/logs", expressHandler(uw, async (req, _res, scope) =>
    reply(201, await scope.resolve(FunctionService).appendLogs(uuidParam(req.params.uuid), req.body))));
  app.get("/functions/:uuid/stats", expressHandler(uw, (req, _res, scope) => scope.resolve(FunctionService).stats(uuidParam(req.params.uuid)), { readOnly: true }));

  app.get("/health", healthHandler(uw, { details: options.healthDetails ?? false }));
  if (options.metrics) app.get("/metrics", options.metrics);

  app.use((req, _res, next) => next(Object.assign(new Error(`no route for ${req.method} ${req.path}`), { status: 404, code: "ROUTE_NOT_FOUND" })));
  app.use(expressErrorHandler(uw));
  return app;
}
