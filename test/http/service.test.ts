import { createServiceApp } from "../../examples/service";
import { FunctionInvocation, FunctionLog, User } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { startTestServer, type TestServer } from "./http-test-server";

let t: TestUnitwork;
let api: TestServer;
beforeAll(async () => {
  t = await openTestUnitwork();
  api = await startTestServer(createServiceApp(t.uw).listen(0, "127.0.0.1"));
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function newUser(email: string) {
  const res = await api.call("POST", "/users", { email, password: "s3cret-pass" });
  expect(res.status).toBe(201);
  return res.body as { uuid: string; email: string };
}

async function newFunction(ownerUuid: string, name: string) {
  const res = await api.call("POST", "/functions", { ownerUuid, name, runtime: "node20" });
  expect(res.status).toBe(201);
  return res.body as { uuid: string; name: string };
}

describe("users", () => {
  test("POST /users answers 201 with a DTO without internal id or password hash, and stores a hash", async () => {
    const res = await api.call("POST", "/users", { email: "ada@example.com", password: "correct horse" });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["createdAt", "email", "isActive", "role", "uuid"]);
    expect(res.body).toMatchObject({ email: "ada@example.com", role: "user", isActive: true });
    expect(res.body.uuid).toMatch(UUID);
    expect(res.headers.get("location")).toBe(`/users/${res.body.uuid}`);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const stored = await t.uw.repositories.create(User).count({ email: "ada@example.com" });
    expect(stored).toBe(1);
    const [row] = await t.uw.dataSource.query(`SELECT password_hash FROM users WHERE email = $1`, ["ada@example.com"]);
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain("correct horse");
  });

  test("GET /users/:uuid returns the DTO; unknown is 404, malformed is 400", async () => {
    const created = await newUser("grace@example.com");
    const res = await api.call("GET", `/users/${created.uuid}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
    const missing = await api.call("GET", "/users/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    const malformed = await api.call("GET", "/users/not-a-uuid");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("INVALID_QUERY");
  });

  test("a taken email is 409 naming the column; an invalid email is 400 with the issues; a non-object body is 400", async () => {
    await newUser("taken@example.com");
    const dup = await api.call("POST", "/users", { email: "taken@example.com" });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "UNIQUE_VIOLATION", details: { constraint: "uq_users_email", columns: ["email"] } });
    // one account per address whatever its case
    const otherCase = await api.call("POST", "/users", { email: "Taken@Example.COM" });
    expect(otherCase.status).toBe(409);
    expect(otherCase.body.error).toMatchObject({ code: "UNIQUE_VIOLATION", details: { constraint: "uq_users_email_lower", columns: ["email"] } });
    const invalid = await api.call("POST", "/users", { email: "not an email" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("VALIDATION_FAILED");
    expect(invalid.body.error.details.issues[0]).toMatchObject({ property: "email" });
    expect(JSON.stringify(invalid.body)).not.toContain("not an email");
    const notObject = await api.call("POST", "/users", [1, 2]);
    expect(notObject.status).toBe(400);
    const badJson = await api.call("POST", "/users", "{ nope");
    expect(badJson.status).toBe(400);
    expect(await t.uw.repositories.create(User).count({ email: "not an email" })).toBe(0);
  });
});

describe("functions", () => {
  test("POST /functions creates one for an owner; an unknown owner is 404; GET /functions/:uuid includes deployments", async () => {
    const owner = await newUser("owner1@example.com");
    const fn = await newFunction(owner.uuid, "resize-image");
    expect(fn).toMatchObject({ name: "resize-image", runtime: "node20", status: "inactive", activeVersion: null });
    const unknownOwner = await api.call("POST", "/functions", { ownerUuid: "00000000-0000-4000-8000-000000000000", name: "x" });
    expect(unknownOwner.status).toBe(404);
    const sameName = await api.call("POST", "/functions", { ownerUuid: owner.uuid, name: "resize-image" });
    expect(sameName.status).toBe(409);

    const empty = await api.call("GET", `/functions/${fn.uuid}`);
    expect(empty.status).toBe(200);
    expect(empty.body.deployments).toEqual([]);
    await api.call("POST", `/functions/${fn.uuid}/deployments`, { imageTag: "v1" });
    const withOne = await api.call("GET", `/functions/${fn.uuid}`);
    expect(withOne.body).toMatchObject({ status: "active", activeVersion: 1 });
    expect(withOne.body.deployments).toEqual([expect.objectContaining({ version: 1, imageTag: "v1", isActive: true })]);
    expect((await api.call("GET", "/functions/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  test("GET /functions filters, sorts and paginates through parseListQuery; bad queries are 400", async () => {
    const owner = await newUser("lister@example.com");
    const names = ["list-a", "list-b", "list-c", "list-d"];
    for (const name of names) await newFunction(owner.uuid, name);
    for (const name of names.slice(0, 3)) {
      const { body } = await api.call("GET", `/functions?filter[name]=${name}`);
      await api.call("POST", `/functions/${body.items[0].uuid}/deployments`, { imageTag: `${name}:1` });
    }
    const page1 = await api.call("GET", "/functions?filter[status]=active&filter[runtime]=node20&sort=-createdAt&page=1&pageSize=2");
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ page: 1, pageSize: 2, hasPrevious: false });
    const active = await api.call("GET", "/functions?filter[status]=active&sort=name&page=1&pageSize=100");
    const activeNames = active.body.items.map((f: { name: string }) => f.name).filter((n: string) => n.startsWith("list-"));
    expect(activeNames).toEqual(["list-a", "list-b", "list-c"]);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.total).toBe(active.body.total);
    expect(page1.body.items.every((f: { status: string; activeVersion: number }) => f.status === "active" && f.activeVersion === 1)).toBe(true);

    const badField = await api.call("GET", "/functions?filter[userId]=1");
    expect(badField.status).toBe(400);
    expect(badField.body.error.code).toBe("INVALID_QUERY");
    for (const malformed of ["filter[name]]=alpha", "filter.name=alpha", "filter[name=alpha"]) {
      const res = await api.call("GET", `/functions?${malformed}`);
      expect(res.status).toBe(400); // it returned every function
      expect(res.body.error.message).toMatch(/malformed query key/);
    }
    const badSort = await api.call("GET", "/functions?sort=runtime");
    expect(badSort.status).toBe(400);
    const tooBig = await api.call("GET", "/functions?pageSize=5000");
    expect(tooBig.status).toBe(400);
  });

  test("a query string with more than 1,000 parameters is a 400, not silently cut", async () => {
    // the filter would be parameter 1,001: cut, it would list every function
    const padding = Array.from({ length: 1000 }, (_, i) => `pad${i}=x`).join("&");
    const res = await api.call("GET", `/functions?${padding}&filter[status]=active`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "INVALID_QUERY" });
    expect(res.body.error.message).toMatch(/1001 parameters; at most 1000/);
    const atLimit = await api.call("GET", `/functions?${Array.from({ length: 999 }, (_, i) => `pad${i}=x`).join("&")}&page=1`);
    expect(atLimit.status).toBe(200); // 1,000 parameters pass
  });

  test("POST /functions/:uuid/deployments numbers versions and keeps exactly one active", async () => {
    const owner = await newUser("deployer@example.com");
    const fn = await newFunction(owner.uuid, "deploy-seq");
    const versions: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await api.call("POST", `/functions/${fn.uuid}/deployments`, { imageTag: `img:${i}`, s3Key: `k/${i}` }, { "x-request-id": `deploy-${i}` });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ version: i, isActive: true, previousVersion: i === 1 ? null : i - 1, functionActiveVersion: i, requestId: `deploy-${i}` });
      versions.push(res.body.version);
    }
    const { body } = await api.call("GET", `/functions/${fn.uuid}`);
    expect(body.deployments.map((d: { version: number; isActive: boolean }) => [d.version, d.isActive])).toEqual([[1, false], [2, false], [3, true]]);
    const missingTag = await api.call("POST", `/functions/${fn.uuid}/deployments`, {});
    expect(missingTag.status).toBe(400);
  });

  test("POST /functions/:uuid/logs bulk-inserts the lines, all or nothing", async () => {
    const owner = await newUser("logger@example.com");
    const fn = await newFunction(owner.uuid, "chatty");
    const lines = Array.from({ length: 2000 }, (_, i) => ({ level: i % 10 === 0 ? "warn" : "info", message: `line ${i}`, metadata: { i } }));
    const res = await api.call("POST", `/functions/${fn.uuid}/logs`, { lines });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ count: 2000 });
    const logs = t.uw.repositories.create(FunctionLog);
    const [{ id }] = await t.uw.dataSource.query(`SELECT id FROM functions WHERE uuid = $1`, [fn.uuid]);
    expect(await logs.count({ functionId: id })).toBe(2000);
    expect(await logs.count({ functionId: id, level: "warn" })).toBe(200);

    const bad = [...lines.slice(0, 10), { level: "loud", message: "x" }];
    const rejected = await api.call("POST", `/functions/${fn.uuid}/logs`, { lines: bad });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.code).toBe("VALIDATION_FAILED");
    expect(await logs.count({ functionId: id })).toBe(2000);
    expect((await api.call("POST", `/functions/${fn.uuid}/logs`, { lines: [] })).status).toBe(400);
  });

  test("GET /functions/:uuid/stats aggregates invocation counts and durations", async () => {
    const owner = await newUser("stats@example.com");
    const fn = await newFunction(owner.uuid, "counted");
    const none = await api.call("GET", `/functions/${fn.uuid}/stats`);
    expect(none.body).toMatchObject({ invocations: 0, durationMs: { avg: null, max: null } });
    const [{ id }] = await t.uw.dataSource.query(`SELECT id FROM functions WHERE uuid = $1`, [fn.uuid]);
    const statuses = ["success", "success", "success", "error", "timeout"] as const;
    await t.uw.unitOfWork.run(async (ctx) => {
      const invocations = ctx.repository(FunctionInvocation);
      for (let i = 0; i < 10; i++) {
        await invocations.create({ functionId: id, status: statuses[i % 5], durationMs: (i + 1) * 10, coldStart: i < 2 });
      }
    });
    const res = await api.call("GET", `/functions/${fn.uuid}/stats`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      uuid: fn.uuid,
      name: "counted",
      invocations: 10,
      byStatus: { success: 6, error: 2, timeout: 2 },
      coldStarts: 2,
      durationMs: { avg: 55, p50: 55, max: 100 },
    });
    expect(res.body.durationMs.p95).toBeCloseTo(95.5, 1);
  });

  test("an unknown route is a JSON 404", async () => {
    const res = await api.call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("ROUTE_NOT_FOUND");
  });
});
