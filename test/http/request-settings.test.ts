import Router from "@koa/router";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { createServer, type Server } from "node:http";
import { InvalidConfigError, withUnitOfWork, type RequestScope, type Unitwork } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { fastifyHandler, unitworkPlugin } from "../../src/http/fastify";
import { koaErrorHandler, koaHandler, koaUnitOfWork } from "../../src/http/koa";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { startTestServer, type TestServer } from "./http-test-server";

/** withUnitOfWork's and the adapters' `settings: (request) => ({ … })`: the request's transaction settings. */
let t: TestUnitwork;
beforeAll(async () => {
  t = await openTestUnitwork();
});
afterAll(() => t.close());

class NoTenantError extends Error {
  readonly status = 401;
}
/** What a real application computes from an authenticated request; here, a header. */
function tenantOf(header: string | string[] | undefined): { "app.tenant_id": string } {
  if (typeof header !== "string" || !header) throw new NoTenantError("no tenant");
  return { "app.tenant_id": header };
}
/** The route: what the transaction sees. */
const whoAmI = async (scope: RequestScope) => {
  const [row] = await scope.unitOfWork!.manager.query("SELECT current_setting('app.tenant_id', true) AS tenant, current_setting('app.source', true) AS source");
  return { tenant: row.tenant, source: row.source, settings: scope.unitOfWork!.settings };
};

function expressApp(uw: Unitwork): Server {
  const app = express();
  app.get("/me", expressHandler(uw, (_req, _res, scope) => whoAmI(scope), { settings: (req) => ({ ...tenantOf(req.headers["x-tenant"]), "app.source": "express" }) }));
  app.get("/fixed", expressHandler(uw, (_req, _res, scope) => whoAmI(scope), { settings: { "app.tenant_id": "fixed" } }));
  app.use(expressErrorHandler(uw));
  return createServer(app);
}

async function fastifyApp(uw: Unitwork): Promise<Server> {
  const app = Fastify();
  await app.register(unitworkPlugin, { uw, defaults: { settings: (request) => ({ ...tenantOf(request.headers["x-tenant"]), "app.source": "fastify" }) } });
  app.get("/me", app.withUnitOfWork((_request, _reply, scope) => whoAmI(scope)));
  // async, and given to fastifyHandler directly
  app.get("/fixed", fastifyHandler(uw, (_request, _reply, scope) => whoAmI(scope), { settings: async () => ({ "app.tenant_id": "fixed" }) }));
  await app.ready();
  return app.server;
}

function koaApp(uw: Unitwork): Server {
  const app = new Koa();
  const router = new Router();
  app.use(koaErrorHandler(uw));
  router.get("/me", koaHandler(uw, (_ctx, scope) => whoAmI(scope), { settings: (ctx) => ({ ...tenantOf(ctx.get("x-tenant")), "app.source": "koa" }) }));
  router.get("/fixed", koaHandler(uw, (_ctx, scope) => whoAmI(scope), { settings: { "app.tenant_id": "fixed" } }));
  app.use(router.routes());
  return createServer(app.callback());
}

/** The middleware form computes the settings; a koaHandler inside it may name them again, not change them. */
function koaMiddlewareApp(uw: Unitwork): Server {
  const app = new Koa();
  const router = new Router();
  app.use(koaErrorHandler(uw));
  app.use(koaUnitOfWork(uw, { settings: (ctx) => ({ ...tenantOf(ctx.get("x-tenant")), "app.source": "koa" }) }));
  router.get("/me", koaHandler(uw, (_ctx, scope) => whoAmI(scope)));
  router.get("/fixed", koaHandler(uw, (_ctx, scope) => whoAmI(scope), { settings: { "app.tenant_id": "fixed" } }));
  router.get("/same", koaHandler(uw, (_ctx, scope) => whoAmI(scope), { settings: (ctx) => tenantOf(ctx.get("x-tenant")) }));
  app.use(router.routes());
  return createServer(app.callback());
}

describe.each([
  ["express", expressApp, "express"],
  ["fastify", fastifyApp, "fastify"],
  ["koa (koaHandler)", koaApp, "koa"],
  ["koa (koaUnitOfWork middleware)", koaMiddlewareApp, "koa"],
] as const)("%s", (name, build, source) => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startTestServer(await build(t.uw));
  });
  afterAll(() => api?.close());

  test("each request's transaction has the settings computed from it; concurrent requests never mix them", async () => {
    const tenants = Array.from({ length: 12 }, (_, i) => `tenant-${i % 3}`);
    const answers = await Promise.all(tenants.map((tenant) => api.call("GET", "/me", undefined, { "x-tenant": tenant })));
    expect(answers.map((a) => a.status)).toEqual(tenants.map(() => 200));
    expect(answers.map((a) => a.body)).toEqual(tenants.map((tenant) => ({ tenant, source, settings: { "app.tenant_id": tenant, "app.source": source } })));
  });

  test("what the settings function throws fails the request (here its 401), before any transaction", async () => {
    const refused = await api.call("GET", "/me");
    expect(refused.status).toBe(401);
    expect(t.uw.unitOfWork.activeCount).toBe(0);
  });

  test("fixed settings", async () => {
    const fixed = await api.call("GET", "/fixed", undefined, { "x-tenant": "fixed" });
    if (name === "koa (koaUnitOfWork middleware)") {
      expect(fixed.body).toEqual({ tenant: "fixed", source: "koa", settings: { "app.tenant_id": "fixed", "app.source": "koa" } });
    } else {
      expect(fixed.status).toBe(200);
      expect(fixed.body.tenant).toBe("fixed");
    }
  });
});

describe("koaHandler inside koaUnitOfWork", () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startTestServer(koaMiddlewareApp(t.uw));
  });
  afterAll(() => api?.close());

  test("the route's own settings must be those of the request's unit of work: others are a 500 (IllegalTransactionStateError)", async () => {
    const same = await api.call("GET", "/same", undefined, { "x-tenant": "a" });
    expect(same.status).toBe(200);
    expect(same.body.tenant).toBe("a");
    const other = await api.call("GET", "/fixed", undefined, { "x-tenant": "a" });
    expect(other.status).toBe(500);
    expect(t.logger.entries.some((e) => (e.obj as { err?: Error }).err?.name === "IllegalTransactionStateError")).toBe(true);
  });
});

describe("withUnitOfWork", () => {
  test("the settings function gets the handler's input", async () => {
    const handle = withUnitOfWork(t.uw, async (input: { tenant: string }, scope) => scope.unitOfWork!.settings, { settings: (input) => ({ "app.tenant_id": input.tenant }) });
    expect((await handle({ tenant: "t1" })).result).toEqual({ "app.tenant_id": "t1" });
    const none = withUnitOfWork(t.uw, async (_input: unknown, scope) => scope.unitOfWork!.settings, { settings: () => undefined });
    expect((await none({})).result).toEqual({});
  });

  test("bad settings: fixed ones when the route is set up, computed ones at the request; none with transactional: false", async () => {
    expect(() => withUnitOfWork(t.uw, () => 1, { settings: { "not a name": "x" } })).toThrow(InvalidConfigError);
    expect(() => withUnitOfWork(t.uw, () => 1, { settings: { "app.tenant_id": "1" }, transactional: false })).toThrow(/settings need a transaction/);
    expect(() => withUnitOfWork(t.uw, () => 1, { settings: () => ({}), transactional: false })).toThrow(InvalidConfigError);
    const computedBad = withUnitOfWork(t.uw, () => "ran", { settings: () => ({ "app.tenant_id": 5 as unknown as string }) });
    await expect(computedBad(undefined)).rejects.toThrow(/the value of app.tenant_id must be a string/);
  });
});
