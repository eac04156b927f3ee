import Router from "@koa/router";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { createServer, type Server } from "node:http";
import { FunctionInvocation, User } from "../../examples/domain";
import { FunctionInvocationRepository, UserService } from "../../examples/service";
import { RequestContext, reply, type RequestScope, type Unitwork } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { unitworkPlugin } from "../../src/http/fastify";
import { koaErrorHandler, koaHandler, koaUnitOfWork } from "../../src/http/koa";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { startTestServer, type TestServer } from "./http-test-server";

/** A framework-neutral handler: what the shared suite runs through each adapter. */
interface Input {
  params: Record<string, string>;
  body: unknown;
}
type Handler = (input: Input, scope: RequestScope) => unknown;

const handlers: { method: "GET" | "POST"; path: string; handler: Handler }[] = [
  { method: "POST", path: "/users", handler: async ({ body }, scope) => reply(201, await scope.resolve(UserService).create(body)) },
  { method: "GET", path: "/users/:uuid", handler: ({ params }, scope) => scope.resolve(UserService).getByUuid(params.uuid!) },
  {
    method: "POST",
    path: "/ghost",
    handler: async ({ body }, scope) => {
      await scope.resolve(UserService).create(body);
      throw new Error("exploded after the write");
    },
  },
  {
    method: "GET",
    path: "/context",
    handler: async (_input, scope) => {
      const [{ txid }] = await scope.unitOfWork!.manager.query("SELECT txid_current()::text AS txid");
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { requestId: scope.resolve(RequestContext).id, txid };
    },
  },
];

function expressApp(uw: Unitwork): Server {
  const app = express();
  app.use(express.json());
  for (const { method, path, handler } of handlers) {
    app[method === "GET" ? "get" : "post"](path, expressHandler(uw, (req, _res, scope) => handler({ params: req.params as Record<string, string>, body: req.body }, scope)));
  }
  app.use(expressErrorHandler(uw));
  return createServer(app);
}

async function fastifyApp(uw: Unitwork): Promise<Server> {
  const app = Fastify();
  await app.register(unitworkPlugin, { uw });
  for (const { method, path, handler } of handlers) {
    app.route({ method, url: path, handler: app.withUnitOfWork((request, _reply, scope) => handler({ params: request.params as Record<string, string>, body: request.body }, scope)) });
  }
  await app.ready();
  return app.server;
}

/** Koa has no body parser built in; the tests read JSON themselves. */
async function jsonBody(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  if (ctx.is("application/json")) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }
  await next();
}

function koaApp(uw: Unitwork): Server {
  const app = new Koa();
  const router = new Router();
  app.use(koaErrorHandler(uw));
  app.use(jsonBody);
  for (const { method, path, handler } of handlers) {
    router[method === "GET" ? "get" : "post"](path, koaHandler(uw, (ctx, scope) => handler({ params: ctx.params, body: (ctx.request as { body?: unknown }).body }, scope)));
  }
  app.use(router.routes());
  return createServer(app.callback());
}

/** The middleware form: the whole downstream chain runs in the request's unit of work; the routes use koaHandler inside it. */
function koaMiddlewareApp(uw: Unitwork): Server {
  const app = new Koa();
  const router = new Router();
  app.use(koaErrorHandler(uw));
  app.use(jsonBody);
  app.use(koaUnitOfWork(uw));
  for (const { method, path, handler } of handlers) {
    router[method === "GET" ? "get" : "post"](path, koaHandler(uw, (ctx, scope) => {
      // the handler runs in the middleware's request scope, not in a second one of its own
      if (scope !== ctx.state.unitwork) throw new Error("koaHandler opened a second request scope");
      return handler({ params: ctx.params, body: (ctx.request as { body?: unknown }).body }, scope);
    }));
  }
  app.use(router.routes());
  return createServer(app.callback());
}

const adapters: [string, (uw: Unitwork) => Server | Promise<Server>][] = [
  ["express", expressApp],
  ["fastify", fastifyApp],
  ["koa (koaHandler)", koaApp],
  ["koa (koaUnitOfWork middleware)", koaMiddlewareApp],
];

let t: TestUnitwork;
beforeAll(async () => {
  t = await openTestUnitwork();
  t.uw.repositories.register(FunctionInvocation, FunctionInvocationRepository);
});
afterAll(() => t?.close());

describe.each(adapters)("%s adapter", (name, build) => {
  let api: TestServer;
  const tag = name.replace(/\W+/g, "-");
  beforeAll(async () => {
    api = await startTestServer(await build(t.uw));
  });
  afterAll(() => api?.close());

  test("creates (201) and reads (200) through a request-scoped service; unknown is 404 JSON", async () => {
    const created = await api.call("POST", "/users", { email: `${tag}@example.com` }, { "x-request-id": `${tag}-1` });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-request-id")).toBe(`${tag}-1`);
    expect(created.body).toMatchObject({ email: `${tag}@example.com` });
    const read = await api.call("GET", `/users/${created.body.uuid}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    const missing = await api.call("GET", "/users/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
  });

  test("maps validation (400) and unique (409) errors", async () => {
    const invalid = await api.call("POST", "/users", { email: "nope" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("VALIDATION_FAILED");
    await api.call("POST", "/users", { email: `dup-${tag}@example.com` });
    const dup = await api.call("POST", "/users", { email: `dup-${tag}@example.com` });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("UNIQUE_VIOLATION");
  });

  test("a handler that throws after writing leaves no row and answers a 500 without the message", async () => {
    const res = await api.call("POST", "/ghost", { email: `ghost-${tag}@example.com` }, { "x-request-id": `${tag}-ghost` });
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: "INTERNAL_ERROR", message: "Internal Server Error", requestId: `${tag}-ghost` });
    expect(await t.uw.repositories.create(User).count({ email: `ghost-${tag}@example.com` })).toBe(0);
  });

  test("concurrent requests each get their own RequestContext and transaction", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => api.call("GET", "/context", undefined, { "x-request-id": `${tag}-c${i}` })));
    results.forEach((res, i) => expect(res.body.requestId).toBe(`${tag}-c${i}`));
    expect(new Set(results.map((r) => r.body.txid)).size).toBe(10);
  });
});
