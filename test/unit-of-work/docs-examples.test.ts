import { readFileSync } from "node:fs";
import { join } from "node:path";

import { DataSource } from "typeorm";
import { domainEntities, FunctionDeployment, FunctionEntity, FunctionLog, User } from "../../examples/domain";
import {
  AfterCommitHookError,
  createUnitwork,
  dataSourceOptionsFromEnv,
  IllegalTransactionStateError,
  NoActiveUnitOfWorkError,
  NotFoundError,
  Transactional,
  TransactionAbortedError,
  UniqueViolationError,
  UnitOfWorkTimeoutError,
  type Unitwork,
} from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/**
 * The examples of docs/unit-of-work.md, run as written. Each ```ts block of the page is copied here
 * unchanged (the first test checks that, line by line, ignoring indentation and the page's imports);
 * the lines around the copies set up fixtures and assert what the page's comments claim.
 */
let t: TestUnitwork;
let uw: Unitwork;
beforeAll(async () => {
  t = await openTestUnitwork();
  uw = t.uw;
});
afterAll(() => t.close());

const normalize = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("import "));

test("every example of the page is in this file, unchanged", () => {
  const page = readFileSync(join(__dirname, "../../docs/unit-of-work.md"), "utf8");
  const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalize(m[1]!));
  const here = normalize(readFileSync(__filename, "utf8"));
  expect(blocks.length).toBeGreaterThanOrEqual(20);
  const missing = blocks.filter((block) => !here.some((_, at) => block.every((line, i) => here[at + i] === line)));
  expect(missing).toEqual([]);
});

// ---- the page's main example, used by the sections below
async function deploy(functionId: number, imageTag: string): Promise<FunctionDeployment> {
  return uw.unitOfWork.run(async (ctx) => {
    const functions = ctx.repository(FunctionEntity);
    const deployments = ctx.repository(FunctionDeployment);
    const fn = await functions.getByIdOrFail(functionId, { lock: "pessimistic_write" }); // one deploy at a time
    const version = (await deployments.count({ functionId })) + 1;
    await ctx.manager.update(FunctionDeployment, { functionId, isActive: true }, { isActive: false });
    const deployment = await deployments.create({ functionId, version, imageTag, status: "deployed", isActive: true, deployedAt: new Date() });
    await functions.update(fn, { activeDeploymentId: deployment.id, status: "active" });
    return deployment; // run() resolves with what work returns, after COMMIT
  }, { name: "deploy" });
}

let fixtures = 0;
/** A fresh function of a fresh owner, with `deployments` deploys done already. */
async function aFunction(deploys = 0): Promise<{ fn: FunctionEntity; v1: FunctionDeployment; v2: FunctionDeployment }> {
  const n = ++fixtures;
  const owner = await uw.repositories.create(User).create({ email: `owner${n}@acme.co` });
  const fn = await uw.repositories.create(FunctionEntity).create({ userId: owner.id, name: `fn-${n}` });
  const done: FunctionDeployment[] = [];
  for (let i = 1; i <= deploys; i++) done.push(await deploy(fn.id, `fn-${n}:${i}`));
  return { fn, v1: done[0]!, v2: done[1]! };
}
const versionsOf = async (functionId: number) =>
  (await uw.repositories.create(FunctionDeployment).findMany({ where: { functionId }, orderBy: "version" })).map((d) => d.version);
const activeOf = async (functionId: number) =>
  (await uw.repositories.create(FunctionDeployment).findMany({ where: { functionId, isActive: true } })).map((d) => d.id);

/** Points dataSourceOptionsFromEnv() at this file's database while `fn` runs. */
async function withTestDatabaseEnv(fn: () => Promise<void>): Promise<void> {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = t.db.url;
  try {
    await fn();
  } finally {
    process.env.DATABASE_URL = saved;
  }
}

test("run(): the deploy flow commits, an application error rolls back unchanged, a database error comes out typed", async () => {
  const owner = await uw.repositories.create(User).create({ email: "dev@acme.co" });
  const fn = await uw.repositories.create(FunctionEntity).create({ userId: owner.id, name: "resize" });
  const v1 = await deploy(fn.id, "resize:1");
  const v2 = await deploy(fn.id, "resize:2");
  // now: v1 inactive, v2 active (version 2), functions.active_deployment_id = v2.id
  expect(v2.version).toBe(2);
  expect(await activeOf(fn.id)).toEqual([v2.id]);
  expect((await uw.repositories.create(FunctionEntity).getByIdOrFail(fn.id)).activeDeploymentId).toBe(v2.id);
  expect((await uw.repositories.create(FunctionDeployment).getByIdOrFail(v1.id)).isActive).toBe(false);

  class QuotaExceededError extends Error {}

  const quotaError = await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionDeployment).create({ functionId: fn.id, version: 3, imageTag: "resize:3" });
    throw new QuotaExceededError("3 deployments per function");
  }).catch((error: unknown) => error);
  // quotaError is the QuotaExceededError itself; version 3 was never committed
  expect(quotaError).toBeInstanceOf(QuotaExceededError);
  expect((quotaError as Error).message).toBe("3 deployments per function");
  expect(await versionsOf(fn.id)).toEqual([1, 2]);

  const duplicate = await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionDeployment).create({ functionId: fn.id, version: 1, imageTag: "resize:1-again" });
  }).catch((error: unknown) => error);
  // duplicate instanceof UniqueViolationError
  // duplicate.code === "UNIQUE_VIOLATION", duplicate.sqlState === "23505"
  // duplicate.constraint === "uq_function_deployments_function_version", duplicate.columns = ["function_id", "version"]
  // duplicate.sql starts with 'INSERT INTO "function_deployments"', duplicate.parameters holds the bound values
  // duplicate.cause is the pg driver's error
  expect(duplicate).toBeInstanceOf(UniqueViolationError);
  const unique = duplicate as UniqueViolationError;
  expect([unique.code, unique.sqlState, unique.constraint, unique.columns]).toEqual(["UNIQUE_VIOLATION", "23505", "uq_function_deployments_function_version", ["function_id", "version"]]);
  expect(unique.sql).toMatch(/^INSERT INTO "function_deployments"/);
  expect(unique.parameters).toEqual(expect.arrayContaining([fn.id, 1, "resize:1-again"]));
  expect((unique.cause as { code?: string }).code).toBe("23505");
});

test("repositories find the active unit of work through the async call chain; ctx.repository is bound", async () => {
  const { v1 } = await aFunction(2);
  const deployments = uw.repositories.create(FunctionDeployment); // created once, e.g. at startup

  async function markFailed(deploymentId: number): Promise<void> {
    await deployments.update(deploymentId, { status: "failed" }); // no transaction passed in
  }

  const undone = await uw.unitOfWork.run(async () => {
    await markFailed(v1.id); // runs inside this unit of work
    throw new Error("changed my mind"); // so it is rolled back with it
  }).catch((error: unknown) => error);
  const stillDeployed = (await deployments.getByIdOrFail(v1.id)).status; // "deployed"

  await markFailed(v1.id); // outside any unit of work: auto-commits by itself
  const nowFailed = (await deployments.getByIdOrFail(v1.id)).status; // "failed"
  expect((undone as Error).message).toBe("changed my mind");
  expect([stillDeployed, nowFailed]).toEqual(["deployed", "failed"]);
  expect(uw.unitOfWork.current).toBeUndefined();

  const leaked = await uw.unitOfWork.run(async (ctx) => ctx.repository(FunctionDeployment));
  const afterEnd = await leaked.count().catch((error: unknown) => error);
  // afterEnd instanceof IllegalTransactionStateError: "… belongs to unit of work uow-…, which has ended"
  expect(afterEnd).toBeInstanceOf(IllegalTransactionStateError);
  expect((afterEnd as Error).message).toMatch(/belongs to unit of work uow-\d+, which has ended/);
});

test("requiresNew commits independently of the outer rollback", async () => {
  const { fn } = await aFunction();
  const failedDeploy = await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionDeployment).create({ functionId: fn.id, version: 3, imageTag: "resize:3", status: "failed" });
    await uw.unitOfWork.run(async (log) => {
      await log.repository(FunctionLog).create({ functionId: fn.id, level: "error", message: "build of resize:3 failed" });
    }, { propagation: "requiresNew", name: "deploy-log" });
    throw new Error("build failed");
  }).catch((error: unknown) => error);
  // the deployment row is rolled back, the log line is committed
  expect((failedDeploy as Error).message).toBe("build failed");
  expect(await versionsOf(fn.id)).toEqual([]);
  expect((await uw.repositories.create(FunctionLog).findMany({ where: { functionId: fn.id } })).map((l) => l.message)).toEqual(["build of resize:3 failed"]);
});

test("nested: catch a unique violation inside a savepoint and go on", async () => {
  const { fn } = await aFunction(2);
  const skipped: number[] = [];
  await uw.unitOfWork.run(async (ctx) => {
    const deployments = ctx.repository(FunctionDeployment);
    for (const version of [1, 3, 2, 4]) { // 1 and 2 exist already
      try {
        await uw.unitOfWork.run(() => deployments.create({ functionId: fn.id, version, imageTag: `resize:${version}` }), { propagation: "nested" });
      } catch (error) {
        if (!(error instanceof UniqueViolationError)) throw error;
        skipped.push(version);
      }
    }
  });
  // skipped = [1, 2]; versions 3 and 4 are committed
  expect(skipped).toEqual([1, 2]);
  expect(await versionsOf(fn.id)).toEqual([1, 2, 3, 4]);
});

test("isolation and read-only; joining with another isolation is refused", async () => {
  const { fn } = await aFunction(2);
  const report = await uw.unitOfWork.run(async (ctx) => {
    const deployments = ctx.repository(FunctionDeployment);
    return { total: await deployments.count({ functionId: fn.id }), active: await deployments.count({ functionId: fn.id, isActive: true }) };
  }, { isolation: "REPEATABLE READ", readOnly: true, name: "deploy-report" });
  // after the two deploys above: { total: 2, active: 1 }, both counts from the same snapshot
  expect(report).toEqual({ total: 2, active: 1 });

  const mismatch = await uw.unitOfWork.run(async () => {
    return uw.unitOfWork.run(async () => "joined", { isolation: "SERIALIZABLE" });
  }).catch((error: unknown) => error);
  // IllegalTransactionStateError: cannot join a READ COMMITTED unit of work with isolation SERIALIZABLE
  expect(mismatch).toBeInstanceOf(IllegalTransactionStateError);
  expect((mismatch as Error).message).toBe("cannot join a READ COMMITTED unit of work with isolation SERIALIZABLE");
});

test("timeoutMs cancels the statement in flight and commits nothing", async () => {
  const { fn } = await aFunction();
  const timedOut = await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionDeployment).create({ functionId: fn.id, version: 9, imageTag: "resize:9" });
    await ctx.manager.query("SELECT pg_sleep(5)"); // a slow statement: cancelled at the deadline
  }, { timeoutMs: 200 }).catch((error: unknown) => error);
  // after ~200 ms: UnitOfWorkTimeoutError; version 9 is not committed and the pg_sleep was cancelled
  expect(timedOut).toBeInstanceOf(UnitOfWorkTimeoutError);
  expect((timedOut as UnitOfWorkTimeoutError).timeoutMs).toBe(200);
  expect(await versionsOf(fn.id)).toEqual([]);
  const [sleeping] = await uw.dataSource.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(5)' AND state = 'active'");
  expect(sleeping.n).toBe(0);
});

test("retry: two concurrent SERIALIZABLE deploys both commit", async () => {
  const { fn } = await aFunction(2);
  // two idle pooled connections, so that both deploys really overlap (not part of the example)
  await Promise.all([1, 2].map(() => uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(0.05)"))));
  let runs = 0;
  const deployWithRetry = (imageTag: string) => uw.unitOfWork.run(async () => {
    runs++;
    return deploy(fn.id, imageTag); // joins this unit: one transaction per attempt
  }, { isolation: "SERIALIZABLE", retry: { attempts: 5, baseDelayMs: 20 }, name: "deploy" });

  const [first, second] = await Promise.all([deployWithRetry("resize:3"), deployWithRetry("resize:4")]);
  // both commit, as versions 3 and 4, and exactly one of them is active. Under SERIALIZABLE the one
  // that waited for the lock fails with 40001 once the other commits and is run again (then runs is 3).
  expect([first.version, second.version].sort()).toEqual([3, 4]);
  expect(await versionsOf(fn.id)).toEqual([1, 2, 3, 4]);
  const active = await activeOf(fn.id);
  expect(active).toHaveLength(1);
  expect([first.id, second.id]).toContain(active[0]);
  expect(runs).toBe(3); // one of the two conflicting deploys ran again
});

test('retry: { on: ["connection"] } re-runs a unit whose connection was terminated before COMMIT', async () => {
  await uw.dataSource.query("CREATE TABLE IF NOT EXISTS fault_notes (id serial PRIMARY KEY, note text NOT NULL)");
  const backendOf = async (ctx: { manager: { query(sql: string): Promise<{ pid: number }[]> } }) => (await ctx.manager.query("SELECT pg_backend_pid() AS pid"))[0]!.pid;
  const terminate = (pid: number) => uw.dataSource.query("SELECT pg_terminate_backend($1)", [pid]);

  let attempts = 0;
  await uw.unitOfWork.run(async (ctx) => {
    attempts++;
    await ctx.manager.query("INSERT INTO fault_notes (note) VALUES ($1)", [`attempt ${attempts}`]);
    if (attempts === 1) await terminate(await backendOf(ctx)); // an operator kills the backend mid-unit
    await ctx.manager.query("SELECT 1");
  }, { retry: { attempts: 3, on: ["connection"], baseDelayMs: 1 } });
  // attempts === 2, and only "attempt 2" is in the table

  expect(attempts).toBe(2);
  expect((await uw.dataSource.query("SELECT note FROM fault_notes")).map((r: { note: string }) => r.note)).toEqual(["attempt 2"]);
});

test("hooks: order, savepoints, and a failing onCommit hook", async () => {
  const { fn } = await aFunction();
  const events: string[] = [];
  await uw.unitOfWork.run(async (ctx) => {
    ctx.onCommit(() => void events.push("purge CDN cache"));
    ctx.onRollback(() => void events.push("never: the unit commits"));
    await uw.unitOfWork.run(async (inner) => {
      inner.onCommit(() => void events.push("never: its savepoint was rolled back"));
      inner.onRollback((error) => void events.push(`savepoint rolled back: ${(error as Error).message}`));
      throw new Error("optional warm-up failed");
    }, { propagation: "nested" }).catch((error: Error) => events.push(`went on after: ${error.message}`));
    await uw.unitOfWork.run(async (joined) => joined.onCommit(() => void events.push("notify owner")));
    events.push("work done");
  });
  // events: ["savepoint rolled back: optional warm-up failed", "went on after: optional warm-up failed",
  //          "work done", "purge CDN cache", "notify owner"]
  expect(events).toEqual(["savepoint rolled back: optional warm-up failed", "went on after: optional warm-up failed", "work done", "purge CDN cache", "notify owner"]);

  const hookEvents: string[] = [];
  const afterCommit = await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionEntity).update(fn.id, { runtime: "node" });
    ctx.onCommit(() => { throw new Error("CDN unreachable"); });
    ctx.onCommit(() => void hookEvents.push("second hook still runs"));
  }).catch((error: unknown) => error);
  // afterCommit instanceof AfterCommitHookError, afterCommit.cause.message === "CDN unreachable"
  // hookEvents = ["second hook still runs"], and the function's runtime is "node"
  expect(afterCommit).toBeInstanceOf(AfterCommitHookError);
  expect(((afterCommit as AfterCommitHookError).cause as Error).message).toBe("CDN unreachable");
  expect((afterCommit as AfterCommitHookError).errors).toHaveLength(1);
  expect(hookEvents).toEqual(["second hook still runs"]);
  expect((await uw.repositories.create(FunctionEntity).getByIdOrFail(fn.id)).runtime).toBe("node");
});

test("@Transactional runs the method in one unit of work", async () => {
  const { fn, v1, v2 } = await aFunction(2);
  class DeploymentService {
    private readonly functions = uw.repositories.create(FunctionEntity);
    private readonly deployments = uw.repositories.create(FunctionDeployment);

    /** Makes an earlier version the active one again. */
    @Transactional({ timeoutMs: 5_000 })
    async activate(functionId: number, version: number): Promise<FunctionEntity> {
      const target = await this.deployments.findFirst({ where: { functionId, version } });
      if (!target) throw new NotFoundError("FunctionDeployment", { functionId, version });
      for (const active of await this.deployments.findMany({ where: { functionId, isActive: true } })) {
        await this.deployments.update(active.id, { isActive: false });
      }
      await this.deployments.update(target.id, { isActive: true });
      return this.functions.update(functionId, { activeDeploymentId: target.id });
    }
  }

  const service = new DeploymentService();
  const activated = await service.activate(fn.id, 1); // the writes commit together
  const unknownVersion = await service.activate(fn.id, 99).catch((error: unknown) => error); // NotFoundError, nothing written
  expect(activated.activeDeploymentId).toBe(v1.id);
  expect(await activeOf(fn.id)).toEqual([v1.id]);
  expect(unknownVersion).toBeInstanceOf(NotFoundError);
  expect((await uw.repositories.create(FunctionEntity).getByIdOrFail(fn.id)).activeDeploymentId).toBe(v1.id);
  expect(v2.isActive).toBe(true); // it was the active one before
});

test("pitfall: a swallowed database error aborts the transaction", async () => {
  const { fn } = await aFunction();
  const aborted = await uw.unitOfWork.run(async (ctx) => {
    const deployments = ctx.repository(FunctionDeployment);
    await deployments.create({ functionId: fn.id, version: 10, imageTag: "resize:10" });
    await deployments.create({ functionId: fn.id, version: 10, imageTag: "resize:10" }).catch(() => "ignored"); // don't
  }).catch((error: unknown) => error);
  // TransactionAbortedError, cause: the typed error of the failed INSERT (UniqueViolationError); version 10 is not committed
  expect(aborted).toBeInstanceOf(TransactionAbortedError);
  expect((aborted as Error).cause).toMatchObject({ code: "UNIQUE_VIOLATION", constraint: "uq_function_deployments_function_version" });
  expect(await versionsOf(fn.id)).toEqual([]);
});

// These create unitworks of their own.
describe("examples with a unitwork of their own", () => {
  test("strict mode refuses writes outside a unit of work", () => withTestDatabaseEnv(async () => {
    const strictUw = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv(), entities: domainEntities }), strict: true });
    const strictUsers = strictUw.repositories.create(User);
    const refused = await strictUsers.create({ email: "strict@acme.co" }).catch((error: unknown) => error); // NoActiveUnitOfWorkError
    await strictUw.unitOfWork.run(() => strictUsers.create({ email: "strict@acme.co" })); // fine
    const strictCount = await strictUsers.count({ email: "strict@acme.co" }); // 1: reads need no unit of work
    await strictUw.close();
    expect(refused).toBeInstanceOf(NoActiveUnitOfWorkError);
    expect(strictCount).toBe(1);
    expect(strictUw.dataSource.isInitialized).toBe(false);
  }));

  test("requiresNew at the pool limit: timeoutMs bounds the wait", () => withTestDatabaseEnv(async () => {
    const tiny = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ ...process.env, DB_POOL_MAX: "1" }), entities: domainEntities }) });
    const starved = await tiny.unitOfWork.run(async () => {
      await tiny.unitOfWork.run(async () => "audit", { propagation: "requiresNew" }); // waits for the only connection
    }, { timeoutMs: 300 }).catch((error: unknown) => error);
      // UnitOfWorkTimeoutError after ~300 ms instead of a hang
    const { pool } = await tiny.health(); // { total: 1, idle: 1, waiting: 0 }: the connection is back in the pool
    await tiny.close();
    expect(starved).toBeInstanceOf(UnitOfWorkTimeoutError);
    expect(pool).toEqual({ total: 1, idle: 1, waiting: 0 });
  }));

  test("getting a unitwork, and graceful close", () => withTestDatabaseEnv(async () => {
    // DATABASE_URL (or PGHOST …), DB_POOL_MAX, DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS, DB_SSL …
    const dataSource = new DataSource({ ...dataSourceOptionsFromEnv(), entities: domainEntities });
    const uw = await createUnitwork({
      dataSource, // initialized here if it is not yet
      defaults: { isolation: "READ COMMITTED" }, // default options of every unit that begins a transaction
    });
    const health = await uw.health(); // { ok: true, latencyMs, serverVersion: "18.…", pool: { total, idle, waiting } }
    expect(health).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^\d+/), pool: { waiting: 0 } });

    const inFlight = uw.unitOfWork.run(async (ctx) => {
      await ctx.manager.query("SELECT pg_sleep(0.2)");
      return ctx.repository(User).create({ email: "last@acme.co" });
    });
    await uw.close(); // resolves after inFlight committed
    const last = await inFlight; // the user was written
    expect(dataSource.isInitialized).toBe(false);
    expect(last.id).toBeGreaterThan(0);
    expect(await t.uw.repositories.create(User).exists({ email: "last@acme.co" })).toBe(true);
  }));
});
