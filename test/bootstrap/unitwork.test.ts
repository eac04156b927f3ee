import { DataSource } from "typeorm";
import { User, domainEntities } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, InvalidConfigError, NoActiveUnitOfWorkError } from "../../src";
import { createTestDatabase } from "../support/test-database";
import { memoryLogger, openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t.close());

test("health reports the server version, latency and pool", async () => {
  const health = await t.uw.health();
  expect(health.ok).toBe(true);
  expect(health.serverVersion).toMatch(/^\d+(\.\d+)?/);
  expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  expect(health.pool.waiting).toBe(0);
  expect(health.pool.total).toBeGreaterThanOrEqual(1);
});

test("health never throws: a unitwork whose DataSource is gone reports ok: false with the reason", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  const uw = await createUnitwork({ dataSource, logger: memoryLogger(), analyzer: { mode: "off" } });
  await uw.close();
  const health = await uw.health();
  expect(health.ok).toBe(false);
  expect(health.error).toBeTruthy();
});

test("close waits for running units of work, then destroys the DataSource", async () => {
  const db = await createTestDatabase("close");
  try {
    const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: db.url }), entities: domainEntities, synchronize: true });
    const uw = await createUnitwork({ dataSource, logger: memoryLogger() });
    const users = uw.repositories.create(User);
    const events: string[] = [];
    const running = uw.unitOfWork.run(async (ctx) => {
      await ctx.manager.query("SELECT pg_sleep(0.3)");
      await users.create({ email: "late@acme.co" });
      events.push("work committed");
    });
    await new Promise((r) => setTimeout(r, 50));
    await uw.close().then(() => events.push("closed"));
    await running;
    expect(events).toEqual(["work committed", "closed"]);
    expect(dataSource.isInitialized).toBe(false);
    await uw.close(); // idempotent
  } finally {
    await db.drop();
  }
});

test("strict mode refuses writes outside a unit of work, allows reads, and writes inside one", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  const uw = await createUnitwork({ dataSource, strict: true, logger: memoryLogger() });
  try {
    const users = uw.repositories.create(User);
    await expect(users.create({ email: "outside@acme.co" })).rejects.toBeInstanceOf(NoActiveUnitOfWorkError);
    await expect(users.count()).resolves.toBe(0);
    await uw.unitOfWork.run(() => users.create({ email: "inside@acme.co" }));
    await expect(users.count()).resolves.toBe(1);
  } finally {
    await uw.close();
  }
});

test("createUnitwork refuses a DataSource that is not PostgreSQL, before connecting", async () => {
  // no driver package is needed to check the guard: only `options.type` is read before it refuses
  let initialized = false;
  const dataSource = { options: { type: "mysql" }, isInitialized: false, initialize: async () => void (initialized = true) } as unknown as DataSource;
  await expect(createUnitwork({ dataSource })).rejects.toThrow(InvalidConfigError);
  expect(initialized).toBe(false);
});

test("createUnitwork refuses bad unit-of-work defaults before connecting (a bad default propagation once skipped the work)", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  for (const defaults of [{ propagation: "REQUIRED" }, { timeoutMs: -1 }, { isolation: "SNAPSHOT" }, { retry: { attempts: 0 } }]) {
    await expect(createUnitwork({ dataSource, defaults: defaults as never })).rejects.toThrow(InvalidConfigError);
  }
  expect(dataSource.isInitialized).toBe(false);
});
