import Router from "@koa/router";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { createServer, request, type Server } from "node:http";
import { context, trace } from "@opentelemetry/api";
import { User } from "../../examples/domain";
import type { HealthDetails, RequestScope, Unitwork } from "../../src";
import { expressErrorHandler, expressHandler, healthHandler as expressHealth } from "../../src/http/express";
import { fastifyHandler, healthHandler as fastifyHealth } from "../../src/http/fastify";
import { healthHandler as koaHealth, koaErrorHandler, koaHandler, koaUnitOfWork } from "../../src/http/koa";
import { startTestServer, type TestServer } from "../http/http-test-server";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { registerTestSdk, type TestSdk } from "./otel-sdk";

let t: TestUnitwork;
let sdk: TestSdk;
beforeAll(async () => {
  sdk = registerTestSdk();
  t = await openTestUnitwork({ analyzer: { mode: "off" } });
});
afterAll(async () => {
  await t.close();
  await sdk.shutdown();
});

/** The route every app mounts: writes a row, then sleeps until cancelled. */
const slowWrite = (uw: Unitwork, marker: string) => async (scope: RequestScope) => {
  await uw.repositories.create(User).create({ email: `${marker}@example.com` });
  await scope.unitOfWork!.manager.query(`SELECT pg_sleep(30) /* ${marker} */`);
  return { done: true };
};

const apps: Record<string, (uw: Unitwork, marker: string) => Promise<Server>> = {
  express: async (uw, marker) => {
    const app = express();
    app.get("/slow", expressHandler(uw, (_req, _res, scope) => slowWrite(uw, marker)(scope)));
    app.get("/health", expressHealth(uw));
    app.get("/health/details", expressHealth(uw, { details: true }));
    app.use(expressErrorHandler(uw));
    return createServer(app);
  },
  fastify: async (uw, marker) => {
    const app = Fastify();
    app.get("/slow", fastifyHandler(uw, (_request, _reply, scope) => slowWrite(uw, marker)(scope)));
    app.get("/health", fastifyHealth(uw));
    app.get("/health/details", fastifyHealth(uw, { details: true }));
    await app.ready();
    return app.server;
  },
  koa: async (uw, marker) => {
    const app = new Koa();
    const router = new Router();
    app.use(koaErrorHandler(uw));
    router.get("/slow", koaHandler(uw, (_ctx, scope) => slowWrite(uw, marker)(scope)));
    router.get("/health", koaHealth(uw));
    router.get("/health/details", koaHealth(uw, { details: true }));
    app.use(router.routes());
    return createServer(app.callback());
  },
  "koa middleware": async (uw, marker) => {
    const app = new Koa();
    const router = new Router();
    app.use(koaErrorHandler(uw));
    app.use(koaUnitOfWork(uw, { skip: (ctx) => ctx.path.startsWith("/health") }));
    router.get("/slow", async (ctx) => {
      ctx.body = await slowWrite(uw, marker)(ctx.state.unitwork as RequestScope);
    });
    router.get("/health", koaHealth(uw));
    router.get("/health/details", koaHealth(uw, { details: true }));
    app.use(router.routes());
    return createServer(app.callback());
  },
};

const active = async (marker: string) =>
  (await t.uw.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()`, [`%/* ${marker} */%`]))[0].n as number;

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe.each(Object.keys(apps))("%s", (name) => {
  let server: TestServer;
  const marker = `gone_${name.replace(/\W/g, "_")}`;
  beforeAll(async () => (server = await startTestServer(await apps[name]!(t.uw, marker))));
  afterAll(() => server.close());

  test("a client that disconnects before the response cancels the request's statement and commits nothing", async () => {
    const req = request(`${server.url}/slow`);
    req.on("error", () => undefined);
    req.end();
    // Generous bounds: a loaded 2-core CI machine may be slow to start or cancel, but never 30 s slow.
    expect(await waitFor(async () => (await active(marker)) === 1, 20_000)).toBe(true);
    req.destroy(); // the client goes away
    const started = Date.now();
    expect(await waitFor(async () => (await active(marker)) === 0, 15_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000); // far below pg_sleep(30): cancelled, not finished
    // the rollback has happened once the request's unit of work settled
    expect(await waitFor(async () => !(await t.uw.repositories.create(User).exists({ email: `${marker}@example.com` })), 10_000)).toBe(true);
  });

  test("healthHandler answers 200 with { ok, latencyMs }, the details only where mounted with details", async () => {
    const plain = await server.call("GET", "/health");
    expect(plain.status).toBe(200);
    expect(Object.keys(plain.body).sort()).toEqual(["latencyMs", "ok"]);
    expect(plain.body.ok).toBe(true);
    expect(plain.headers.get("cache-control")).toBe("no-store");
    const detailed = await server.call("GET", "/health/details");
    expect(detailed.status).toBe(200);
    expect(detailed.body.details).toMatchObject({ longRunningTransactions: expect.any(Array), lockWaits: expect.any(Array), databaseSizeBytes: expect.any(Number) });
    expect(detailed.body.details.largestTables.length).toBeGreaterThan(0);
    expect(detailed.body.details.replicas).toBeUndefined(); // no streaming replicas here
  });
});

test("healthHandler answers 503 when the database does not answer", async () => {
  const down = { health: async () => ({ ok: false, latencyMs: 1, serverVersion: null, pool: { total: 0, idle: 0, waiting: 0 }, error: "connect ECONNREFUSED 10.0.0.7:5432" }) } as unknown as Unitwork;
  const app = express();
  app.get("/health", expressHealth(down));
  const server = await startTestServer(createServer(app));
  try {
    const response = await server.call("GET", "/health");
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ ok: false, latencyMs: 1 }); // no address leaked without details
  } finally {
    await server.close();
  }
});

test("the adapters start no span of their own: the request's unit of work nests under the framework's span", async () => {
  sdk.reset();
  const app = express();
  // stands in for @opentelemetry/instrumentation-http / -express: the server span is the active one
  app.use((req, _res, next) => {
    const span = trace.getTracer("http").startSpan(`GET ${req.path}`);
    _res.on("finish", () => span.end());
    context.with(trace.setSpan(context.active(), span), next);
  });
  app.get("/one", expressHandler(t.uw, (_req, _res, scope) => scope.unitOfWork!.manager.query("SELECT 1 AS one")));
  const server = await startTestServer(createServer(app));
  try {
    expect((await server.call("GET", "/one")).status).toBe(200);
  } finally {
    await server.close();
  }
  const spans = sdk.spans();
  const http = spans.find((s) => s.name === "GET /one")!;
  const unit = spans.find((s) => s.name === "unitwork GET /one")!;
  expect(unit.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
  expect(spans.find((s) => s.name === "SELECT")!.parentSpanContext?.spanId).toBe(unit.spanContext().spanId);
  expect(spans.map((s) => s.name).sort()).toEqual(["GET /one", "SELECT", "unitwork GET /one"]);
});

test("health({ details: true }) lists a lock wait with the blocked and blocking pids and statements, and a long-running transaction", async () => {
  const users = t.uw.repositories.create(User);
  const user = await users.create({ email: "locked@example.com" });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const holder = t.uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query(`SELECT * FROM users WHERE id = $1 FOR UPDATE /* holder */`, [user.id]);
    await held;
  });
  await new Promise((r) => setTimeout(r, 100));
  const waiter = t.uw.unitOfWork.run((ctx) => ctx.manager.query(`SELECT * FROM users WHERE id = $1 FOR UPDATE /* waiter */`, [user.id]));
  try {
    let details: HealthDetails | undefined;
    await waitFor(async () => {
      details = (await t.uw.health({ details: true, longTransactionMs: 50 })).details!;
      return details.lockWaits.length > 0;
    }, 3_000);
    const [wait] = details!.lockWaits;
    expect(wait!.blockedQuery).toContain("/* waiter */");
    expect(wait!.blockingQuery).toContain("/* holder */");
    expect(wait!.blockedPid).not.toBe(wait!.blockingPid);
    expect(details!.longRunningTransactions.map((x) => x.pid)).toContain(wait!.blockingPid);
    expect(details!.databaseSizeBytes).toBeGreaterThan(1_000_000);
    expect(details!.largestTables.map((x) => x.table)).toContain("users");
  } finally {
    release();
    await holder;
    await waiter;
  }
});
