import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { connect, createServer, type Server } from "node:net";
import { DataSource } from "typeorm";
import { User, domainEntities } from "../../examples/domain";
import { ConnectionError, createUnitwork, dataSourceOptionsFromEnv, InvalidConfigError, UnitOfWorkAbortedError } from "../../src";
import { serverUrl } from "../support/test-database";
import { memoryLogger, openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t.close());

const sleepers = async (marker: string) =>
  (await t.uw.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active'`, [`%${marker}%`]))[0].n as number;

test("aborting run()'s signal cancels the statement in flight (pg_sleep), commits nothing and rejects with UnitOfWorkAbortedError", async () => {
  const users = t.uw.repositories.create(User);
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(new Error("the client went away")), 150);
  const failed = await t.uw.unitOfWork
    .run(async (ctx) => {
      await users.create({ email: "aborted@example.com" });
      await ctx.manager.query("SELECT pg_sleep(10) /* abort-me */");
    }, { signal: controller.signal })
    .catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(UnitOfWorkAbortedError);
  expect((failed as UnitOfWorkAbortedError).code).toBe("UNIT_OF_WORK_ABORTED");
  expect((failed as UnitOfWorkAbortedError).message).toContain("the client went away");
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await sleepers("abort-me")).toBe(0);
  expect(await users.exists({ email: "aborted@example.com" })).toBe(false);
});

test("an already aborted signal runs nothing; inner units inherit the signal", async () => {
  const controller = new AbortController();
  controller.abort();
  let ran = false;
  await expect(t.uw.unitOfWork.run(async () => void (ran = true), { signal: controller.signal })).rejects.toBeInstanceOf(UnitOfWorkAbortedError);
  expect(ran).toBe(false);

  const inner = new AbortController();
  const outer = t.uw.unitOfWork.run(async () => {
    await t.uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(10) /* inner-abort */"), { propagation: "nested", signal: inner.signal });
  });
  setTimeout(() => inner.abort(), 100);
  await expect(outer).rejects.toBeInstanceOf(UnitOfWorkAbortedError);
  expect(await sleepers("inner-abort")).toBe(0);
});

test("signal must be an AbortSignal", async () => {
  await expect(t.uw.unitOfWork.run(async () => 1, { signal: "stop" as never })).rejects.toBeInstanceOf(InvalidConfigError);
});

test("close({ timeoutMs: 300 }) settles while a unit of work is stuck: it cancels it, nothing is committed", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  const logger = memoryLogger();
  const uw = await createUnitwork({ dataSource, logger, analyzer: { mode: "off" } });
  const users = uw.repositories.create(User);
  const stuck = uw.unitOfWork
    .run(async (ctx) => {
      await users.create({ email: "stuck@example.com" });
      await ctx.manager.query("SELECT pg_sleep(30) /* stuck-at-close */");
    })
    .catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await uw.close({ timeoutMs: 300 });
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(290);
  expect(elapsed).toBeLessThan(3_000);
  expect(await stuck).toBeInstanceOf(UnitOfWorkAbortedError);
  expect(dataSource.isInitialized).toBe(false);
  expect(logger.entries.some((e) => e.level === "warn" && /cancelling 1 unit/.test(e.msg ?? ""))).toBe(true);
  expect(await sleepers("stuck-at-close")).toBe(0);
  expect(await t.uw.repositories.create(User).exists({ email: "stuck@example.com" })).toBe(false);
});

test("close({ timeoutMs }) of an idle unitwork closes at once", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  const uw = await createUnitwork({ dataSource, logger: memoryLogger(), analyzer: { mode: "off" } });
  const started = Date.now();
  await uw.close({ timeoutMs: 5_000 });
  expect(Date.now() - started).toBeLessThan(1_000);
  await expect(uw.close({ timeoutMs: -1 } as never)).rejects.toBeInstanceOf(InvalidConfigError);
});

test("connectRetry: createUnitwork retries the first connection until the server answers", async () => {
  // A port that refuses at first, then forwards to PostgreSQL (a database that starts after the app).
  const target = new URL(serverUrl());
  let proxy: Server | undefined;
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  setTimeout(() => {
    proxy = createServer((socket) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    }).listen(port, "127.0.0.1");
  }, 400);
  const url = new URL(t.db.url);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  const logger = memoryLogger();
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url.toString() }), entities: domainEntities });
  try {
    const uw = await createUnitwork({ dataSource, logger, analyzer: { mode: "off" }, connectRetry: { attempts: 20, maxDelayMs: 100 } });
    expect((await uw.health()).ok).toBe(true);
    expect(logger.entries.filter((e) => e.level === "warn" && /retrying/.test(e.msg ?? "")).length).toBeGreaterThan(0);
    await uw.close();
  } finally {
    proxy?.close();
  }
});

test("connectRetry: when every attempt fails, ConnectionError naming the setting", async () => {
  const url = new URL(serverUrl());
  url.hostname = "127.0.0.1";
  url.port = "1"; // nothing listens on port 1
  const logger = memoryLogger();
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url.toString() }), entities: [User] });
  const failed = await createUnitwork({ dataSource, logger, connectRetry: { attempts: 3, maxDelayMs: 20 } }).catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(ConnectionError);
  expect((failed as ConnectionError).setting).toMatch(/host and port/);
  expect(logger.entries.filter((e) => /retrying/.test(e.msg ?? ""))).toHaveLength(2);
  await expect(createUnitwork({ dataSource, connectRetry: { attempts: 0 } })).rejects.toBeInstanceOf(InvalidConfigError);
  await expect(createUnitwork({ dataSource, connectRetry: { attempts: 2, maxDelay: 5 } as never })).rejects.toThrow(/maxDelayMs/);
});

test("unknown telemetry keys are refused with the closest known one", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: [User] });
  await expect(createUnitwork({ dataSource, telemetry: { statement: false } as never })).rejects.toThrow(/did you mean "statements"/);
});

test("a process that forgets close() is not kept alive by its idle connections", async () => {
  const script = `
    require("reflect-metadata");
    const { DataSource } = require("typeorm");
    const { createUnitwork, dataSourceOptionsFromEnv } = require("./src");
    (async () => {
      const uw = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: ${JSON.stringify(t.db.url)}, DB_IDLE_TIMEOUT_MS: "60000" }), entities: [] }), analyzer: { mode: "off" }, logger: { debug() {}, info() {}, warn() {}, error() {} } });
      await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1"));
      globalThis.started = Date.now();
    })();`;
  const started = Date.now();
  const result = spawnSync(process.execPath, ["-r", "@swc/register", "-e", script], { cwd: process.cwd(), encoding: "utf8", timeout: 45_000 });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  // Idle connections would keep it alive for 60 s (DB_IDLE_TIMEOUT_MS); starting Node with swc on a
  // loaded 2-core machine takes a few seconds, never 30.
  expect(Date.now() - started).toBeLessThan(30_000);
}, 60_000);
