import { randomUUID } from "node:crypto";
import { createServiceApp } from "../../examples/service";
import { FunctionDeployment, FunctionEntity, FunctionLog, User } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { startTestServer, type HttpResult, type TestServer } from "./http-test-server";

let t: TestUnitwork;
let api: TestServer;
beforeAll(async () => {
  t = await openTestUnitwork({ poolSize: 20 });
  api = await startTestServer(createServiceApp(t.uw).listen(0, "127.0.0.1"));
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

async function post<B = any>(path: string, body: unknown, requestId?: string): Promise<HttpResult<B>> {
  return api.call<B>("POST", path, body, requestId ? { "x-request-id": requestId } : {});
}

async function functionRowId(uuid: string): Promise<number> {
  const [row] = await t.uw.dataSource.query(`SELECT id FROM functions WHERE uuid = $1`, [uuid]);
  return row.id;
}

async function deploymentsOf(uuid: string): Promise<{ versions: number[]; active: number[]; pointer: number | null }> {
  const id = await functionRowId(uuid);
  const rows: { version: number; is_active: boolean; id: number }[] = await t.uw.dataSource.query(
    `SELECT id, version, is_active FROM function_deployments WHERE function_id = $1 ORDER BY version`, [id]);
  const fn = await t.uw.repositories.create(FunctionEntity).getByIdOrFail(id);
  return {
    versions: rows.map((r) => r.version),
    active: rows.filter((r) => r.is_active).map((r) => r.version),
    pointer: rows.find((r) => r.id === fn.activeDeploymentId)?.version ?? null,
  };
}

test("50 concurrent deploys of one function: versions 1..50 exactly once, exactly one active", async () => {
  const owner = (await post("/users", { email: "race@example.com" })).body;
  const fn = (await post("/functions", { ownerUuid: owner.uuid, name: "hot" })).body;
  const responses = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    post(`/functions/${fn.uuid}/deployments`, { imageTag: `hot:${i}` }, `deploy-${i}`)));
  expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
  expect(responses.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  responses.forEach((r, i) => {
    expect(r.body.requestId).toBe(`deploy-${i}`);
    expect(r.body.imageTag).toBe(`hot:${i}`);
    expect(r.body.functionActiveVersion).toBe(r.body.version);
    expect(r.body.previousVersion).toBe(r.body.version === 1 ? null : r.body.version - 1);
  });
  const state = await deploymentsOf(fn.uuid);
  expect(state.versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  expect(state.active).toEqual([50]);
  expect(state.pointer).toBe(50);
});

test("500 concurrent mixed requests: every response belongs to its request, nothing leaks across requests", async () => {
  const seedUsers = await Promise.all(Array.from({ length: 10 }, (_, i) => post("/users", { email: `seed-${i}@example.com` })));
  const owners = seedUsers.map((r) => r.body);
  const fns = await Promise.all(Array.from({ length: 5 }, (_, i) => post("/functions", { ownerUuid: owners[i]!.uuid, name: `mixed-${i}` })));
  const functions = fns.map((r) => r.body);
  const usersBefore = await t.uw.repositories.create(User).count();

  type Check = (res: HttpResult, requestId: string) => void;
  const plan: { method: string; path: string; body?: unknown; check: Check }[] = [];
  for (let i = 0; i < 150; i++) {
    const email = `mixed-${i}@example.com`;
    plan.push({ method: "POST", path: "/users", body: { email }, check: (res) => {
      expect(res.status).toBe(201);
      expect(res.body.email).toBe(email);
    } });
  }
  for (let i = 0; i < 50; i++) {
    plan.push({ method: "POST", path: "/users", body: { email: `seed-${i % 10}@example.com` }, check: (res) => {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("UNIQUE_VIOLATION");
    } });
  }
  for (let i = 0; i < 80; i++) {
    const owner = owners[i % owners.length]!;
    plan.push({ method: "GET", path: `/users/${owner.uuid}`, check: (res) => expect(res.body).toEqual(owner) });
  }
  for (let i = 0; i < 100; i++) {
    const fn = functions[i % functions.length]!;
    plan.push({ method: "POST", path: `/functions/${fn.uuid}/deployments`, body: { imageTag: `mixed:${i}` }, check: (res, requestId) => {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ imageTag: `mixed:${i}`, requestId, isActive: true });
      expect(res.body.functionActiveVersion).toBe(res.body.version);
    } });
  }
  for (let i = 0; i < 50; i++) {
    const fn = functions[i % functions.length]!;
    const lines = Array.from({ length: 10 }, (_, j) => ({ level: "info", message: `mixed ${i}/${j}` }));
    plan.push({ method: "POST", path: `/functions/${fn.uuid}/logs`, body: { lines }, check: (res) => expect(res.body).toEqual({ count: 10 }) });
  }
  for (let i = 0; i < 40; i++) {
    const fn = functions[i % functions.length]!;
    plan.push({ method: "GET", path: `/functions/${fn.uuid}`, check: (res) => {
      expect(res.status).toBe(200);
      expect(res.body.uuid).toBe(fn.uuid);
      const active = res.body.deployments.filter((d: { isActive: boolean }) => d.isActive);
      expect(active.length).toBeLessThanOrEqual(1);
      const versions = res.body.deployments.map((d: { version: number }) => d.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, k) => k + 1));
      if (active.length) expect(active[0].version).toBe(versions.length);
    } });
  }
  for (let i = 0; i < 30; i++) {
    const fn = functions[i % functions.length]!;
    plan.push({ method: "GET", path: `/functions/${fn.uuid}/stats`, check: (res) => expect(res.body).toMatchObject({ uuid: fn.uuid, invocations: 0 }) });
  }
  expect(plan).toHaveLength(500);
  shuffle(plan);

  const requestIds = plan.map(() => randomUUID());
  const responses = await Promise.all(plan.map((p, i) => api.call(p.method, p.path, p.body, { "x-request-id": requestIds[i]! })));
  responses.forEach((res, i) => {
    expect(res.headers.get("x-request-id")).toBe(requestIds[i]);
    plan[i]!.check(res, requestIds[i]!);
  });

  expect(await t.uw.repositories.create(User).count()).toBe(usersBefore + 150);
  for (const fn of functions) {
    const state = await deploymentsOf(fn.uuid);
    expect(state.versions).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
    expect(state.active).toEqual([20]);
    expect(state.pointer).toBe(20);
    expect(await t.uw.repositories.create(FunctionLog).count({ functionId: await functionRowId(fn.uuid) })).toBe(100);
  }
  expect(await t.uw.repositories.create(FunctionDeployment).count()).toBeGreaterThanOrEqual(100);
});

function shuffle<T>(items: T[]): void {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
