import express from "express";
import { FunctionDeployment, Organization, User } from "../../examples/domain";
import { RequestContext, reply } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { startTestServer, type TestServer } from "./http-test-server";

let t: TestUnitwork;
let api: TestServer;

beforeAll(async () => {
  t = await openTestUnitwork();
  const uw = t.uw;
  const users = uw.repositories.create(User);
  const app = express();
  app.use(express.json());
  app.post("/write-then-throw", expressHandler(uw, async (req) => {
    await users.create({ email: req.body.email });
    expect(await users.count({ email: req.body.email })).toBe(1); // visible inside its own unit of work
    throw new Error("secret internal detail");
  }));
  app.post("/stale-update", expressHandler(uw, async () => {
    const user = await users.create({ email: "versioned@example.com" });
    await users.update(user.id, { isActive: false });
    return users.update(user.id, { isActive: true, version: user.version });
  }));
  app.post("/missing-reference", expressHandler(uw, (_req, _res, scope) =>
    scope.unitOfWork!.repository(FunctionDeployment).create({ functionId: 999_999, version: 1, imageTag: "x" })));
  app.post("/still-referenced", expressHandler(uw, async () => {
    const owner = await users.create({ email: "org-owner@example.com" });
    await uw.repositories.create(Organization).create({ name: "Acme", ownerId: owner.id } as never);
    return users.delete(owner.id);
  }));
  app.get("/slow", expressHandler(uw, async (_req, _res, scope) => scope.unitOfWork!.manager.query("SELECT pg_sleep(5)"), { timeoutMs: 200 }));
  app.get("/bad-sql", expressHandler(uw, (_req, _res, scope) => scope.unitOfWork!.manager.query("SELEC secret_column FROM users")));
  app.get("/context", expressHandler(uw, async (_req, _res, scope) => {
    const context = scope.resolve(RequestContext);
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { id: context.id, sameUnit: context.unitOfWork?.id === scope.unitOfWork?.id, txid: (await scope.unitOfWork!.manager.query("SELECT txid_current() AS x"))[0].x };
  }));
  app.get("/no-transaction", expressHandler(uw, async (_req, res, scope) => {
    await users.create({ email: "autocommit@example.com" });
    res.status(200).type("text/plain").send(`unit: ${scope.unitOfWork === undefined}`);
  }, { transactional: false }));
  app.get("/read-only", expressHandler(uw, () => users.create({ email: "ro@example.com" }), { readOnly: true }));
  app.get("/empty", expressHandler(uw, () => undefined));
  const loop = async () => {
    const ids = (await uw.dataSource.query("SELECT id FROM users ORDER BY id LIMIT 4")).map((r: { id: number }) => r.id);
    for (const id of ids) await users.getById(id);
    return { loaded: ids.length };
  };
  app.get("/n-plus-one", expressHandler(uw, loop));
  app.get("/untimed", expressHandler(uw, loop, { serverTiming: false }));
  app.get("/unanalyzed", expressHandler(uw, loop, { analyze: false }));
  app.post("/created", expressHandler(uw, () => reply(201, { ok: true }, { "X-Custom": "yes" })));
  app.use(expressErrorHandler(uw));
  api = await startTestServer(app.listen(0, "127.0.0.1"));
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const errorOf = (body: { error: { code: string; message: string } }) => body.error;

test("a handler that throws after writing leaves no row; the 500 hides the message and carries the request id", async () => {
  const res = await api.call("POST", "/write-then-throw", { email: "ghost@example.com" }, { "x-request-id": "req-ghost" });
  expect(res.status).toBe(500);
  expect(res.body).toEqual({ error: { code: "INTERNAL_ERROR", message: "Internal Server Error", requestId: "req-ghost" } });
  expect(res.headers.get("x-request-id")).toBe("req-ghost");
  expect(await t.uw.repositories.create(User).count({ email: "ghost@example.com" })).toBe(0);
  const logged = t.logger.entries.find((e) => e.level === "error" && (e.obj as { requestId?: string }).requestId === "req-ghost");
  expect((logged?.obj as { err: Error }).err.message).toBe("secret internal detail");
});

test("a stale version is 409 CONCURRENCY_CONFLICT and rolls the request back", async () => {
  const res = await api.call("POST", "/stale-update");
  expect(res.status).toBe(409);
  expect(errorOf(res.body).code).toBe("CONCURRENCY_CONFLICT");
  expect(await t.uw.repositories.create(User).count({ email: "versioned@example.com" })).toBe(0);
});

test("a missing referenced row is 422, a row still referenced is 409", async () => {
  const missing = await api.call("POST", "/missing-reference");
  expect(missing.status).toBe(422);
  expect(missing.body.error).toMatchObject({ code: "FOREIGN_KEY_VIOLATION", details: { constraint: "fk_function_deployments_function", columns: ["function_id"] } });
  const referenced = await api.call("POST", "/still-referenced");
  expect(referenced.status).toBe(409);
  expect(referenced.body.error).toMatchObject({ code: "FOREIGN_KEY_VIOLATION", details: { constraint: "fk_organizations_owner" } });
  expect(await t.uw.repositories.create(User).count({ email: "org-owner@example.com" })).toBe(0);
});

test("a unit of work past its deadline is 503 with Retry-After", async () => {
  const res = await api.call("GET", "/slow");
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("1");
  expect(errorOf(res.body).code).toBe("UNIT_OF_WORK_TIMEOUT");
});

test("a database error that is not mapped is a 500 without SQL", async () => {
  const res = await api.call("GET", "/bad-sql");
  expect(res.status).toBe(500);
  expect(JSON.stringify(res.body)).not.toMatch(/secret_column|SELEC|syntax/);
});

test("each request gets its own container, RequestContext and transaction", async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.call("GET", "/context", undefined, { "x-request-id": `ctx-${i}` })));
  results.forEach((res, i) => expect(res.body).toMatchObject({ id: `ctx-${i}`, sameUnit: true }));
  expect(new Set(results.map((r) => r.body.txid)).size).toBe(20);
});

test("transactional: false runs without a unit of work and lets the handler write the response", async () => {
  const res = await api.call("GET", "/no-transaction");
  expect(res.status).toBe(200);
  expect(res.body).toBe("unit: true");
  expect(await t.uw.repositories.create(User).count({ email: "autocommit@example.com" })).toBe(1);
});

test("readOnly routes refuse writes (500, nothing written); undefined is 204; reply() sets status and headers", async () => {
  const ro = await api.call("GET", "/read-only");
  expect(ro.status).toBe(500);
  expect(await t.uw.repositories.create(User).count({ email: "ro@example.com" })).toBe(0);
  const empty = await api.call("GET", "/empty");
  expect(empty.status).toBe(204);
  const created = await api.call("POST", "/created");
  expect(created.status).toBe(201);
  expect(created.headers.get("x-custom")).toBe("yes");
  expect(created.body).toEqual({ ok: true });
});

test("the request's analyzer report sets Server-Timing and is logged with the request id, N+1 findings included", async () => {
  for (let i = 0; i < 4; i++) await t.uw.repositories.create(User).create({ email: `timing-${i}@example.com` });
  const res = await api.call("GET", "/n-plus-one", undefined, { "x-request-id": "req-timed" });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ loaded: 4 });
  const timing = res.headers.get("server-timing");
  expect(timing).toMatch(/^db;dur=\d+(\.\d)?;desc="\d+ queries"$/);
  const entry = t.logger.entries.find((e) => (e.obj as { requestId?: string; queryCount?: number }).requestId === "req-timed" && "queryCount" in (e.obj as object));
  const logged = entry!.obj as { queryCount: number; findings: { kind: string; count: number }[] };
  expect(timing).toContain(`desc="${logged.queryCount} queries"`);
  expect(logged.queryCount).toBeGreaterThanOrEqual(5);
  expect(entry!.level).toBe("warn");
  expect(logged.findings).toEqual([expect.objectContaining({ kind: "n+1", count: 4 })]);

  const untimed = await api.call("GET", "/untimed");
  expect(untimed.status).toBe(200);
  expect(untimed.headers.get("server-timing")).toBeNull();
  const unanalyzed = await api.call("GET", "/unanalyzed", undefined, { "x-request-id": "req-unanalyzed" });
  expect(unanalyzed.headers.get("server-timing")).toBeNull();
  expect(t.logger.entries.some((e) => (e.obj as { requestId?: string; queryCount?: number }).requestId === "req-unanalyzed" && "queryCount" in (e.obj as object))).toBe(false);
});

test("an analyzer that is off stays off for requests: no scope, no report, no Server-Timing, nothing captured", async () => {
  const reports: unknown[] = [];
  const unsubscribe = t.uw.analyzer.onReport((r) => reports.push(r));
  t.uw.analyzer.configure({ mode: "off" });
  try {
    const res = await api.call("GET", "/n-plus-one", undefined, { "x-request-id": "req-off" });
    expect(res.status).toBe(200);
    expect(res.headers.get("server-timing")).toBeNull();
    expect(reports).toEqual([]);
    expect(t.logger.entries.some((e) => (e.obj as { requestId?: string }).requestId === "req-off" && "queryCount" in (e.obj as object))).toBe(false);
  } finally {
    t.uw.analyzer.configure({ mode: "log" });
  }
  const on = await api.call("GET", "/n-plus-one", undefined, { "x-request-id": "req-on-again" });
  unsubscribe();
  expect(on.headers.get("server-timing")).toMatch(/^db;dur=/);
  expect(reports.length).toBeGreaterThan(0);
});
