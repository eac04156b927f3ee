import { DataSource, type Logger as TypeOrmLogger } from "typeorm";
import { domainEntities, User } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, IllegalTransactionStateError, InvalidConfigError, InvalidValueError, Transactional, UnitOfWorkTimeoutError, type UnitOfWorkContext, type Unitwork } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/** UnitOfWorkOptions.settings: set_config(key, value, true) at BEGIN, gone with the transaction. */
let t: TestUnitwork;
let uw: Unitwork;
beforeAll(async () => {
  // one connection: every unit of work reuses the previous one's, so a leak would show
  t = await openTestUnitwork({ poolSize: 1 });
  uw = t.uw;
});
afterAll(() => t.close());

type Querying = Pick<UnitOfWorkContext, "manager">;
const setting = async (ctx: Querying, name: string): Promise<string | null> =>
  (await ctx.manager.query("SELECT current_setting($1, true) AS v", [name]))[0].v;
/** The setting on the (only) pooled connection, read in a transaction of its own. */
const settingNow = (name: string) => uw.unitOfWork.run((ctx) => setting(ctx, name));

describe("applying settings", () => {
  test("each key is set for the transaction, values verbatim (bound, never spliced into SQL)", async () => {
    const hostile = `x'); DROP TABLE users; --`;
    const seen = await uw.unitOfWork.run(async (ctx) => ({
      tenant: await setting(ctx, "app.tenant_id"),
      user: await setting(ctx, "app.user"),
      timeout: (await ctx.manager.query("SHOW statement_timeout"))[0].statement_timeout,
      settings: ctx.settings,
    }), { settings: { "app.tenant_id": "42", "app.user": hostile, statement_timeout: "1500ms" } });
    expect(seen).toEqual({ tenant: "42", user: hostile, timeout: "1500ms", settings: { "app.tenant_id": "42", "app.user": hostile, statement_timeout: "1500ms" } });
    expect(await uw.repositories.create(User).count()).toBe(0); // the users table is still there
  });

  test("nothing is left on the connection after COMMIT, ROLLBACK or a deadline", async () => {
    const settings = { "app.tenant_id": "7", statement_timeout: "2s" };
    const pids = new Set<number>();
    const pid = async (ctx: Querying) => pids.add((await ctx.manager.query("SELECT pg_backend_pid() AS pid"))[0].pid);

    await uw.unitOfWork.run(pid, { settings });
    expect(await settingNow("app.tenant_id")).toBe(""); // the placeholder stays defined, its value does not
    expect(await uw.unitOfWork.run(async (ctx) => (await ctx.manager.query("SHOW statement_timeout"))[0].statement_timeout)).toBe("0");

    const rolledBack = await uw.unitOfWork.run(async (ctx) => {
      await pid(ctx);
      throw new Error("rolled back");
    }, { settings }).catch((error: Error) => error.message);
    expect(rolledBack).toBe("rolled back");
    expect(await settingNow("app.tenant_id")).toBe("");

    const timedOut = await uw.unitOfWork.run(async (ctx) => {
      await pid(ctx);
      await ctx.manager.query("SELECT pg_sleep(5)");
    }, { settings, timeoutMs: 300 }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(UnitOfWorkTimeoutError);
    await uw.unitOfWork.run(pid);
    expect(await settingNow("app.tenant_id")).toBe("");
    expect(pids.size).toBe(1); // all of it on the one pooled connection
  });

  test("a value the server refuses fails the unit with the typed error, and the connection goes back clean", async () => {
    const refused = await uw.unitOfWork.run(() => "ran", { settings: { "app.tenant_id": "1", statement_timeout: "soon" } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidValueError); // 22023: invalid value for parameter "statement_timeout"
    expect((refused as InvalidValueError).sqlState).toBe("22023");
    // the only pooled connection: no transaction left open on it, and no setting
    const after = await uw.unitOfWork.run(async (ctx) => ({ tenant: await setting(ctx, "app.tenant_id"), txid: (await ctx.manager.query("SELECT txid_current()::text AS id"))[0].id }));
    const next = await uw.unitOfWork.run(async (ctx) => (await ctx.manager.query("SELECT txid_current()::text AS id"))[0].id);
    expect(after.tenant ?? "").toBe("");
    expect(next).not.toBe(after.txid);
  });

  test("outside any unit of work (auto-commit) there are no settings", async () => {
    await uw.unitOfWork.run(async () => undefined, { settings: { "app.tenant_id": "9" } });
    const [row] = await uw.dataSource.query("SELECT current_setting('app.tenant_id', true) AS v");
    expect(row.v).toBe("");
  });

  test("one statement after BEGIN sets them all, names and values as parameters", async () => {
    const statements: { sql: string; parameters?: unknown }[] = [];
    const logger: TypeOrmLogger = {
      logQuery: (sql, parameters) => void statements.push({ sql, parameters }),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    const own = await createUnitwork({
      dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url, DB_POOL_MAX: "1" }), entities: domainEntities, logging: ["query"], logger }),
      logger: t.logger,
    });
    try {
      statements.length = 0;
      await own.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1"), { settings: { "app.tenant_id": "1", "app.role": "admin" } });
      expect(statements.map((s) => s.sql)).toEqual(["START TRANSACTION", "SELECT set_config($1, $2, true), set_config($3, $4, true)", "SELECT 1", "COMMIT"]);
      expect(statements[1]!.parameters).toEqual(["app.tenant_id", "1", "app.role", "admin"]);
      statements.length = 0;
      await own.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1"), { settings: {} });
      expect(statements.map((s) => s.sql)).toEqual(["START TRANSACTION", "SELECT 1", "COMMIT"]); // none: no statement
    } finally {
      await own.close();
    }
  });

  test("every retry attempt begins with the settings", async () => {
    let attempts = 0;
    const seen: (string | null)[] = [];
    await uw.unitOfWork.run(async (ctx) => {
      seen.push(await setting(ctx, "app.tenant_id"));
      if (++attempts === 1) await ctx.manager.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
    }, { settings: { "app.tenant_id": "5" }, retry: { attempts: 2, baseDelayMs: 1 } });
    expect(seen).toEqual(["5", "5"]);
  });

  test("createUnitwork defaults: their settings are merged under the unit's own", async () => {
    const own = await createUnitwork({
      dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url, DB_POOL_MAX: "1" }), entities: domainEntities }),
      defaults: { settings: { "app.region": "eu", "app.tenant_id": "0" } },
      logger: t.logger,
    });
    try {
      const read = (ctx: Querying) => Promise.all([setting(ctx, "app.region"), setting(ctx, "app.tenant_id")]);
      expect(await own.unitOfWork.run(read)).toEqual(["eu", "0"]);
      expect(await own.unitOfWork.run(read, { settings: { "APP.Tenant_Id": "3" } })).toEqual(["eu", "3"]);
    } finally {
      await own.close();
    }
  });
});

describe("joining", () => {
  const tenant1 = { "app.tenant_id": "1" };

  test("a joined or nested unit with the same settings, a subset or none runs in the transaction", async () => {
    const seen = await uw.unitOfWork.run(async (outer) => {
      const txid = async (ctx: Querying) => (await ctx.manager.query("SELECT txid_current()::text AS id"))[0].id as string;
      return {
        outer: await txid(outer),
        same: await uw.unitOfWork.run(txid, { settings: { ...tenant1, "app.user": "ada" } }),
        subset: await uw.unitOfWork.run(async (ctx) => [await txid(ctx), ctx.settings], { settings: tenant1 }),
        none: await uw.unitOfWork.run(async (ctx) => [await setting(ctx, "app.user"), ctx.settings["app.user"]], { propagation: "mandatory" }),
        nested: await uw.unitOfWork.run(async (ctx) => setting(ctx, "app.tenant_id"), { propagation: "nested", settings: { "App.Tenant_Id": "1" } }),
      };
    }, { settings: { ...tenant1, "app.user": "ada" } });
    expect(seen.same).toBe(seen.outer);
    expect(seen.subset).toEqual([seen.outer, { "app.tenant_id": "1", "app.user": "ada" }]);
    expect(seen.none).toEqual(["ada", "ada"]);
    expect(seen.nested).toBe("1");
  });

  test.each([
    ["required", { "app.tenant_id": "2" }],
    ["mandatory", { "app.tenant_id": "2" }],
    ["supports", { "app.tenant_id": "2" }],
    ["nested", { "app.tenant_id": "2" }],
    ["required", { "app.other": "x" }],
  ] as const)("%s with other settings (%j) throws IllegalTransactionStateError and leaves the outer settings", async (propagation, settings) => {
    const outcome = await uw.unitOfWork.run(async (ctx) => {
      const refused = await uw.unitOfWork.run(() => "ran", { propagation, settings }).catch((error: unknown) => error);
      return { refused, after: await setting(ctx, "app.tenant_id"), other: await setting(ctx, "app.other") };
    }, { settings: tenant1 });
    expect(outcome.refused).toBeInstanceOf(IllegalTransactionStateError);
    expect((outcome.refused as Error).message).toMatch(/^cannot join a unit of work with other settings \(app\.(tenant_id|other) differs from the active transaction's\); use propagation "requiresNew"/);
    expect((outcome.refused as Error).message).not.toContain('"2"'); // values stay out of messages
    expect(outcome.after).toBe("1");
    expect(outcome.other ?? "").toBe("");
  });

  test("requiresNew takes its own settings (none unless given), and ctx.settings carries them over", async () => {
    // a connection for the inner transaction
    const two = await createUnitwork({
      dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url, DB_POOL_MAX: "2" }), entities: domainEntities }),
      logger: t.logger,
    });
    try {
      const seen = await two.unitOfWork.run(async (outer) => ({
        own: await two.unitOfWork.run((ctx) => setting(ctx, "app.tenant_id"), { propagation: "requiresNew", settings: { "app.tenant_id": "2" } }),
        none: await two.unitOfWork.run((ctx) => setting(ctx, "app.tenant_id"), { propagation: "requiresNew" }),
        carried: await two.unitOfWork.run((ctx) => setting(ctx, "app.tenant_id"), { propagation: "requiresNew", settings: outer.settings }),
        outer: await setting(outer, "app.tenant_id"),
      }), { settings: tenant1 });
      expect(seen.own).toBe("2");
      expect(seen.none ?? "").toBe("");
      expect(seen.carried).toBe("1");
      expect(seen.outer).toBe("1");
    } finally {
      await two.close();
    }
  });

  test.each(["notSupported", "never", "supports"] as const)("%s (no transaction) with settings throws IllegalTransactionStateError", async (propagation) => {
    const refused = await uw.unitOfWork.run(() => "ran", { propagation, settings: tenant1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IllegalTransactionStateError);
    expect((refused as Error).message).toBe(`settings need a transaction, and this unit of work runs without one (propagation "${propagation}")`);
    expect(await uw.unitOfWork.run((ctx) => ctx.settings, { propagation })).toEqual({}); // without settings: fine, and empty
  });
});

describe("bad input is an InvalidConfigError before any SQL", () => {
  test.each([
    [{ "app tenant": "1" }, /"app tenant" is not a setting name/],
    [{ "1app.tenant": "1" }, /"1app.tenant" is not a setting name/],
    [{ "app..tenant": "1" }, /"app..tenant" is not a setting name/],
    [{ "app.tenant;": "1" }, /"app.tenant;" is not a setting name/],
    [{ "": "1" }, /"" is not a setting name/],
    [{ "app.tenant_id": 42 }, /the value of app.tenant_id must be a string, got number/],
    [{ "app.tenant_id": null }, /the value of app.tenant_id must be a string, got null/],
    [{ "app.tenant_id": "a\0b" }, /contains a NUL character/],
    [{ "app.x": "1", "APP.X": "2" }, /"APP.X" is given twice/],
    [["app.tenant_id", "1"], /settings must be an object .* got an array/],
    ["app.tenant_id=1", /settings must be an object .* got string/],
  ])("%j", async (settings, message) => {
    let ran = false;
    const refused = await uw.unitOfWork.run(() => (ran = true), { settings: settings as never }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidConfigError);
    expect((refused as Error).message).toMatch(message);
    expect(ran).toBe(false);
  });

  test("in createUnitwork defaults too", async () => {
    const refused = await createUnitwork({
      dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities }),
      defaults: { settings: { "app tenant": "1" } },
      logger: t.logger,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidConfigError);
  });
});

test("@Transactional takes settings", async () => {
  class TenantService {
    constructor(readonly unitOfWork = uw.unitOfWork) {}

    @Transactional({ settings: { "app.tenant_id": "11" } })
    async tenant(): Promise<string | null> {
      return setting(this.unitOfWork.current!, "app.tenant_id");
    }
  }
  expect(await new TenantService().tenant()).toBe("11");
  expect(await settingNow("app.tenant_id")).toBe("");
});
