import { Client } from "pg";
import { DataSource } from "typeorm";
import { domainEntities, FunctionLog, User } from "../../examples/domain";
import {
  ConnectionError,
  createUnitwork,
  dataSourceOptionsFromEnv,
  StatementTimeoutError,
  TransactionRequiredError,
  UniqueViolationError,
  UnitOfWorkAbortedError,
  UnitOfWorkTimeoutError,
  type UnitOfWorkContext,
  type Unitwork,
} from "../../src";
import { cancelBackendStatement, cancelStatementInFlight, type CancellableConnection } from "../../src/unit-of-work/cancel-backend-statement";
import { logRows, seedFunctions } from "../bulk/fixtures";
import { describeWithPgBouncer, startPgBouncer, type PgBouncer } from "../support/pgbouncer";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/**
 * The unit-of-work suite through a real PgBouncer in transaction mode, with two server connections
 * (so the 10 pooled client connections share them, and reuse is certain): every transaction may run
 * on another server connection than the last, and nothing may be left on one.
 */
const SERVER_POOL = 2;

describeWithPgBouncer("through PgBouncer in transaction mode", () => {
  let bouncer: PgBouncer;
  let t: TestUnitwork;
  let uw: Unitwork;
  /** A direct connection to the database (not through PgBouncer), to watch the server. */
  let direct: Client;
  beforeAll(async () => {
    bouncer = await startPgBouncer({ poolSize: SERVER_POOL });
    // a generous wait for a pooled connection: 50 units share 10 of them on a loaded machine
    t = await openTestUnitwork({ poolSize: 10, connectTo: (db) => bouncer.url(db.name), dataSourceOptions: { connectTimeoutMS: 60_000 } });
    uw = t.uw;
    direct = new Client({ connectionString: t.db.url });
    await direct.connect();
    await uw.dataSource.query("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)");
  });
  afterAll(async () => {
    await direct?.end();
    await t?.close();
    await bouncer?.stop();
  });

  type Querying = Pick<UnitOfWorkContext, "manager">;
  const one = async <T>(ctx: Querying, sql: string, parameters: unknown[] = []): Promise<T> => (await ctx.manager.query(sql, parameters))[0];
  const serverPid = async (ctx: Querying) => (await one<{ pid: number }>(ctx, "SELECT pg_backend_pid() AS pid")).pid;
  /** Active statements on the server whose text contains `marker`, seen from outside PgBouncer. */
  const activeWith = async (marker: string) =>
    (await direct.query("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${marker}%`])).rows.map((r) => r.pid as number);
  /** Statements containing `marker` that failed with 57014 (cancelled), as the unit of work logs them after its deadline. */
  const cancelledStatements = (marker: string) =>
    t.logger.entries.filter((e) => {
      const err = (e.obj as { err?: { code?: string; query?: string; cause?: { code?: string; query?: string } } }).err;
      return e.msg === "work settled after its deadline" && JSON.stringify(err ?? {}).includes(marker) && [err?.code, err?.cause?.code].includes("57014");
    }).length;
  const waitUntil = async (what: string, condition: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`waited in vain for ${what}`);
  };

  test("the client sees PgBouncer's cancel key, not a server pid (so pg_cancel_backend could not work)", async () => {
    const { clientPid, pid } = await uw.unitOfWork.run(async (ctx) => ({
      clientPid: (ctx.manager.queryRunner as unknown as { databaseConnection: { processID: number } }).databaseConnection.processID,
      pid: await serverPid(ctx),
    }));
    expect(clientPid).not.toBe(pid);
  });

  describe("propagation and savepoints", () => {
    test("required joins, requiresNew commits on its own while the outer rolls back, mandatory needs a unit", async () => {
      const outcome = await uw.unitOfWork.run(async (outer) => {
        const txid = async (ctx: Querying) => (await one<{ id: string }>(ctx, "SELECT txid_current()::text AS id")).id;
        await outer.repository(User).create({ email: "outer@pgbouncer.test" });
        const joined = await uw.unitOfWork.run(async (inner) => [await txid(inner), await inner.repository(User).count({ email: "outer@pgbouncer.test" })]);
        const own = await uw.unitOfWork.run(async (log) => {
          await log.repository(User).create({ email: "independent@pgbouncer.test" });
          return txid(log);
        }, { propagation: "requiresNew" });
        return { outer: await txid(outer), joined, own };
      });
      expect(outcome.joined).toEqual([outcome.outer, 1]); // the same transaction, which sees its own insert
      expect(outcome.own).not.toBe(outcome.outer);

      const failed = await uw.unitOfWork.run(async (outer) => {
        await outer.repository(User).create({ email: "rolled-back@pgbouncer.test" });
        await uw.unitOfWork.run((log) => log.repository(User).create({ email: "kept@pgbouncer.test" }), { propagation: "requiresNew" });
        throw new Error("outer fails");
      }).catch((error: Error) => error.message);
      expect(failed).toBe("outer fails");
      const users = uw.repositories.create(User);
      expect(await users.exists({ email: "rolled-back@pgbouncer.test" })).toBe(false);
      expect(await users.exists({ email: "kept@pgbouncer.test" })).toBe(true);
      expect(await users.exists({ email: "outer@pgbouncer.test" })).toBe(true);
      await expect(uw.unitOfWork.run(() => 1, { propagation: "mandatory" })).rejects.toBeInstanceOf(TransactionRequiredError);
    });

    test("nested: a unique violation rolled back to its savepoint, the rest commits", async () => {
      const skipped: string[] = [];
      await uw.unitOfWork.run(async (ctx) => {
        const users = ctx.repository(User);
        await users.create({ email: "sp-1@pgbouncer.test" });
        for (const email of ["sp-1@pgbouncer.test", "sp-2@pgbouncer.test", "sp-2@pgbouncer.test", "sp-3@pgbouncer.test"]) {
          try {
            await uw.unitOfWork.run(() => users.create({ email }), { propagation: "nested" });
          } catch (error) {
            if (!(error instanceof UniqueViolationError)) throw error;
            skipped.push(email);
          }
        }
      });
      expect(skipped).toEqual(["sp-1@pgbouncer.test", "sp-2@pgbouncer.test"]);
      expect(await uw.repositories.create(User).count({ email: { like: "sp-%@pgbouncer.test" } })).toBe(3);
    });
  });

  describe("cancellation reaches the backend running the statement", () => {
    test("a deadline cancels its pg_sleep, and only its own: the other unit's statement on the other server connection goes on", async () => {
      // the other unit waits on a lock this test holds (outside PgBouncer), so it runs until the test lets it go
      await direct.query("SELECT pg_advisory_lock(101)");
      const other = uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_advisory_xact_lock(101), 'other-waiter' AS marker"));
      await waitUntil("the other unit's statement", async () => (await activeWith("other-waiter")).length === 1);
      const timedOut = await uw.unitOfWork.run(async (ctx) => {
        await ctx.repository(User).create({ email: "deadline@pgbouncer.test" });
        await ctx.manager.query("SELECT pg_sleep(30), 'deadline-sleeper' AS marker");
      }, { timeoutMs: 1_500 }).catch((error: unknown) => error);
      expect(timedOut).toBeInstanceOf(UnitOfWorkTimeoutError);
      // run() rejected after the rollback, so the 30 s sleep is over: cancelled, not waited for
      expect(await activeWith("deadline-sleeper")).toEqual([]);
      expect(cancelledStatements("deadline-sleeper")).toBe(1); // the statement itself failed with 57014 query_canceled
      expect(await activeWith("other-waiter")).toHaveLength(1); // the cancel did not land on it
      await direct.query("SELECT pg_advisory_unlock(101)");
      expect(await other).toEqual([{ pg_advisory_xact_lock: "", marker: "other-waiter" }]);
      expect(await uw.repositories.create(User).exists({ email: "deadline@pgbouncer.test" })).toBe(false);
    }, 20_000);

    test("an AbortSignal cancels its pg_sleep", async () => {
      const controller = new AbortController();
      const aborted = uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(30), 'aborted-sleeper' AS marker"), { signal: controller.signal }).catch((error: unknown) => error);
      await waitUntil("the sleeper", async () => (await activeWith("aborted-sleeper")).length === 1);
      controller.abort(new Error("client went away"));
      expect(await aborted).toBeInstanceOf(UnitOfWorkAbortedError);
      expect(await activeWith("aborted-sleeper")).toEqual([]);
      expect(cancelledStatements("aborted-sleeper")).toBe(1);
    }, 20_000);

    test("a deadline also bounds the wait for a server connection, in PgBouncer's queue", async () => {
      // both server connections busy: a third transaction waits in PgBouncer, at its START TRANSACTION
      await direct.query("SELECT pg_advisory_lock(102)");
      const holders = Array.from({ length: SERVER_POOL }, () => uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_advisory_xact_lock(102), 'holder' AS marker")));
      await waitUntil("both holders", async () => (await activeWith("holder")).length === SERVER_POOL);
      const queued = await uw.unitOfWork.run((ctx) => ctx.repository(User).create({ email: "queued@pgbouncer.test" }), { timeoutMs: 500 }).catch((error: unknown) => error);
      // rejected while both holders still hold their server connections (the test lets them go only now)
      expect(queued).toBeInstanceOf(UnitOfWorkTimeoutError);
      expect(await activeWith("holder")).toHaveLength(SERVER_POOL);
      await direct.query("SELECT pg_advisory_unlock(102)");
      await Promise.all(holders);
      expect(await uw.repositories.create(User).exists({ email: "queued@pgbouncer.test" })).toBe(false);
      expect(await uw.unitOfWork.run(async () => "the pool goes on")).toBe("the pool goes on");
    }, 20_000);

    test("a cancel request that finds no statement running (PgBouncer drops it) is sent again once the statement runs", async () => {
      const single = await startPgBouncer({ poolSize: 1 });
      const [holder, waiter] = [new Client({ connectionString: single.url(t.db.name) }), new Client({ connectionString: single.url(t.db.name) })];
      try {
        await Promise.all([holder.connect(), waiter.connect()]);
        await holder.query("BEGIN");
        await holder.query("SELECT 1"); // holds the only server connection
        const statement = waiter.query("SELECT pg_sleep(30)").catch((error: unknown) => error); // queued in PgBouncer
        const key = waiter as unknown as CancellableConnection;
        await waitUntil("the waiting client", async () => key.readyForQuery === false);
        let first = true;
        const cancelling = cancelStatementInFlight(key, () => {
          if (first) void holder.query("COMMIT"); // once the first request was dropped, the statement gets its server connection
          first = false;
          return key.readyForQuery === false;
        });
        await cancelling;
        expect(await statement).toMatchObject({ code: "57014" });
        expect(single.log()).toMatch(/cancel request for idle client/);
      } finally {
        await Promise.all([holder.end(), waiter.end()]);
        await single.stop();
      }
    }, 20_000);

    test("over TLS (client_tls_sslmode = require): the cancel request asks for TLS as its connection did", async () => {
      const tlsBouncer = await startPgBouncer({ poolSize: 1, tls: true });
      const own = await createUnitwork({
        dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: tlsBouncer.url(t.db.name), DB_SSL: "no-verify", DB_POOL_MAX: "2" }), entities: domainEntities }),
        logger: t.logger,
      });
      try {
        const controller = new AbortController();
        const aborted = own.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(30), 'tls-sleeper' AS marker"), { signal: controller.signal }).catch((error: unknown) => error);
        await waitUntil("the sleeper", async () => (await activeWith("tls-sleeper")).length === 1);
        controller.abort();
        expect(await aborted).toBeInstanceOf(UnitOfWorkAbortedError);
        expect(cancelledStatements("tls-sleeper")).toBe(1);
        // the request really goes over TLS: told to verify PgBouncer's self-signed certificate, it fails the handshake
        const key = await own.unitOfWork.run((ctx) => (ctx.manager.queryRunner as unknown as { databaseConnection: { processID: number; secretKey: number } }).databaseConnection);
        const verifying = cancelBackendStatement({ processID: key.processID, secretKey: key.secretKey, host: "127.0.0.1", port: tlsBouncer.port, ssl: { rejectUnauthorized: true } });
        await expect(verifying).rejects.toThrow(/self-signed certificate/);
      } finally {
        await own.close();
        await tlsBouncer.stop();
      }
    }, 20_000);

    test("every server connection answers at once afterwards (no cancel left over, nothing stuck)", async () => {
      const pids = await Promise.all(Array.from({ length: SERVER_POOL * 3 }, () => uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query("SELECT pg_sleep(0.05)");
        return serverPid(ctx);
      })));
      expect(new Set(pids).size).toBe(SERVER_POOL);
    });
  });

  test("a 40001 serialization failure is retried: two SERIALIZABLE increments both land", async () => {
    await uw.dataSource.query("INSERT INTO counters VALUES (1, 0)");
    let attempts = 0;
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const increment = () => uw.unitOfWork.run(async (ctx) => {
      attempts++;
      await ctx.manager.query("SELECT n FROM counters WHERE id = 1");
      if (++reads === 2) bothRead();
      if (reads <= 2) await barrier; // both snapshots taken before either writes
      await ctx.manager.query("UPDATE counters SET n = n + 1 WHERE id = 1");
    }, { isolation: "SERIALIZABLE", retry: { attempts: 5, baseDelayMs: 5 } });
    await Promise.all([increment(), increment()]);
    expect((await uw.dataSource.query("SELECT n FROM counters WHERE id = 1"))[0].n).toBe(2);
    expect(attempts).toBe(3);
  });

  test("50 concurrent units on 10 client and 2 server connections, each with its own settings", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => uw.unitOfWork.run(async (ctx) => {
      const user = await ctx.repository(User).create({ email: `c${i}@pgbouncer.test` });
      await ctx.manager.query("SELECT pg_sleep(0.01)");
      const { tenant } = await one<{ tenant: string }>(ctx, "SELECT current_setting('app.tenant_id') AS tenant");
      return { i, tenant, id: user.id };
    }, { settings: { "app.tenant_id": String(i) } })));
    expect(results.map((r) => r.tenant)).toEqual(results.map((r) => String(r.i)));
    expect(await uw.repositories.create(User).count({ email: { like: "c%@pgbouncer.test" } })).toBe(50);
  });

  test("bulk insert (COPY and unnest) and upsert, in a unit of work and on their own", async () => {
    const { functionIds: [functionId] } = await seedFunctions(t);
    const logs = uw.repositories.create(FunctionLog);
    const copied = await logs.bulkInsert(logRows(functionId!, 2_500, "copy"), { strategy: "copy", chunkSize: 1_000 });
    expect(copied.count).toBe(2_500);
    await uw.unitOfWork.run(async (ctx) => {
      const inserted = await ctx.repository(FunctionLog).bulkInsert(logRows(functionId!, 1_200, "in-unit"));
      expect(inserted.count).toBe(1_200);
      const upserted = await ctx.repository(User).bulkUpsert(
        [{ email: "bulk-1@pgbouncer.test" }, { email: "bulk-2@pgbouncer.test" }, { email: "c1@pgbouncer.test", isActive: false }],
        { conflictPaths: ["email"] },
      );
      expect([upserted.inserted, upserted.updated]).toEqual([2, 1]);
    });
    expect(await logs.count({ functionId: functionId! })).toBe(3_700);
  });

  test("streams read through a server-side cursor, on their own and in a unit of work, also when the loop breaks", async () => {
    const logs = uw.repositories.create(FunctionLog);
    const total = await logs.count();
    expect(total).toBeGreaterThan(1_000);
    let read = 0;
    for await (const _log of logs.stream({ orderBy: "id", batchSize: 500 })) read++;
    let taken = 0;
    for await (const _log of logs.stream({ orderBy: "id", batchSize: 100 })) if (++taken === 250) break; // closes the cursor
    const inUnit = await uw.unitOfWork.run(async (ctx) => {
      let n = 0;
      for await (const _log of ctx.repository(FunctionLog).stream({ batchSize: 1_000 })) n++;
      return n;
    });
    expect([read, taken, inUnit]).toEqual([total, 250, total]);
  });

  describe("nothing is left on a server connection", () => {
    test("settings end with their transaction: the next one on the same server connection does not see them", async () => {
      const settings = { "app.tenant_id": "secret-tenant", statement_timeout: "7s", search_path: "pg_catalog, public" };
      const used = new Set<number>();
      await uw.unitOfWork.run(async (ctx) => void used.add(await serverPid(ctx)), { settings });
      await uw.unitOfWork.run(async (ctx) => {
        used.add(await serverPid(ctx));
        throw new Error("rolled back");
      }, { settings }).catch(() => undefined);
      await uw.unitOfWork.run(async (ctx) => {
        used.add(await serverPid(ctx));
        await ctx.manager.query("SELECT pg_sleep(30)");
      }, { settings, timeoutMs: 300 }).catch(() => undefined);
      // every server connection, several times over, from several client connections
      const seen = await Promise.all(Array.from({ length: 12 }, () => uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query("SELECT pg_sleep(0.02)");
        return one<{ pid: number; tenant: string | null; timeout: string; path: string }>(ctx,
          "SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id', true) AS tenant, current_setting('statement_timeout') AS timeout, current_setting('search_path') AS path");
      })));
      const reused = seen.filter((row) => used.has(row.pid));
      expect(reused.length).toBeGreaterThan(0);
      for (const row of seen) expect({ tenant: row.tenant ?? "", timeout: row.timeout, path: row.path }).toEqual({ tenant: "", timeout: "0", path: '"$user", public' });
    });

    test("no prepared statement, cursor, temp table, advisory lock or LISTEN after the suite, on any server connection", async () => {
      const state = await Promise.all(Array.from({ length: SERVER_POOL * 3 }, () => uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query("SELECT pg_sleep(0.05)");
        return one<Record<string, number>>(ctx, `SELECT pg_backend_pid() AS pid,
          (SELECT count(*)::int FROM pg_prepared_statements) AS prepared,
          (SELECT count(*)::int FROM pg_cursors) AS cursors,
          (SELECT count(*)::int FROM pg_class WHERE relpersistence = 't') AS temp_tables,
          (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory,
          (SELECT count(*)::int FROM pg_listening_channels()) AS listening`);
      })));
      expect(new Set(state.map((s) => s.pid)).size).toBe(SERVER_POOL);
      for (const { pid: _pid, ...rest } of state) expect(rest).toEqual({ prepared: 0, cursors: 0, temp_tables: 0, advisory: 0, listening: 0 });
    });
  });

  describe("timeouts", () => {
    test("DB_STATEMENT_TIMEOUT_MS (a startup parameter PgBouncer refuses) fails at start-up with a ConnectionError that says so", async () => {
      const refused = await createUnitwork({
        dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: bouncer.url(t.db.name), DB_STATEMENT_TIMEOUT_MS: "5000" }), entities: domainEntities }),
        logger: t.logger,
      }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConnectionError);
      expect((refused as ConnectionError).message).toMatch(/refused the startup parameter statement_timeout.*PgBouncer/);
      expect((refused as ConnectionError).setting).toMatch(/DB_STATEMENT_TIMEOUT_MS/);
    });

    test("statement_timeout per transaction instead: defaults: { settings: { statement_timeout } }", async () => {
      const own = await createUnitwork({
        dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: bouncer.url(t.db.name), DB_POOL_MAX: "2" }), entities: domainEntities }),
        defaults: { settings: { statement_timeout: "200ms" } },
        logger: t.logger,
      });
      try {
        const slow = await own.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(5)")).catch((error: unknown) => error);
        expect(slow).toBeInstanceOf(StatementTimeoutError);
        const fast = await own.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(0.01), current_setting('statement_timeout') AS timeout"));
        expect(fast[0].timeout).toBe("200ms");
      } finally {
        await own.close();
      }
      // and it went with the transactions
      expect(await uw.unitOfWork.run(async (ctx) => (await one<{ t: string }>(ctx, "SELECT current_setting('statement_timeout') AS t")).t)).toBe("0");
    });

    test("lockTimeoutMs is SET LOCAL: in effect in its unit, gone after it", async () => {
      const inside = await uw.unitOfWork.run(async (ctx) => (await one<{ t: string }>(ctx, "SELECT current_setting('lock_timeout') AS t")).t, { lockTimeoutMs: 250 });
      expect(inside).toBe("250ms");
      const after = await Promise.all(Array.from({ length: SERVER_POOL * 2 }, () => uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query("SELECT pg_sleep(0.02)");
        return (await one<{ t: string }>(ctx, "SELECT current_setting('lock_timeout') AS t")).t;
      })));
      expect(after).toEqual(after.map(() => "0"));
    });
  });
});
