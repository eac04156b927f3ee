import { FunctionDeployment, FunctionEntity, User } from "../../examples/domain";
import {
  IllegalTransactionStateError,
  TransactionRequiredError,
  UniqueViolationError,
  type UnitOfWorkContext,
} from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t.close());
beforeEach(() => t.uw.dataSource.query("TRUNCATE users, functions, function_deployments RESTART IDENTITY CASCADE"));

const users = () => t.uw.repositories.create(User);
const functions = () => t.uw.repositories.create(FunctionEntity);
const deployments = () => t.uw.repositories.create(FunctionDeployment);
const run = <R>(work: (ctx: UnitOfWorkContext) => Promise<R>, options?: Parameters<TestUnitwork["uw"]["unitOfWork"]["run"]>[1]) =>
  t.uw.unitOfWork.run(work, options);

/** Counts rows from outside any unit of work: what other connections see. */
async function countOf(table: string): Promise<number> {
  const [row] = await t.uw.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
  return row.n;
}

describe("required (default)", () => {
  test("commits the writes of several repositories together", async () => {
    await run(async () => {
      const user = await users().create({ email: "dev@acme.co" });
      const fn = await functions().create({ userId: user.id, name: "resize" });
      await deployments().create({ functionId: fn.id, version: 1, imageTag: "resize:1" });
    });
    expect([await countOf("users"), await countOf("functions"), await countOf("function_deployments")]).toEqual([1, 1, 1]);
  });

  test("a failure rolls back every repository's writes and rejects with the application's own error", async () => {
    const boom = new Error("payment declined");
    await expect(
      run(async () => {
        const user = await users().create({ email: "dev@acme.co" });
        const fn = await functions().create({ userId: user.id, name: "resize" });
        await deployments().create({ functionId: fn.id, version: 1, imageTag: "resize:1" });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect([await countOf("users"), await countOf("functions"), await countOf("function_deployments")]).toEqual([0, 0, 0]);
  });

  test("an inner required unit joins: its failure rolls back the outer one too", async () => {
    await expect(
      run(async (outer) => {
        await users().create({ email: "outer@acme.co" });
        await run(async (inner) => {
          expect(inner.manager).toBe(outer.manager);
          expect(inner.depth).toBe(1);
          await users().create({ email: "inner@acme.co" });
          throw new Error("inner failed");
        });
      }),
    ).rejects.toThrow("inner failed");
    expect(await countOf("users")).toBe(0);
  });

  test("a database error comes out typed, with the driver error as cause and the SQL", async () => {
    await users().create({ email: "taken@acme.co" });
    const error = await run(() => users().create({ email: "taken@acme.co" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueViolationError);
    const unique = error as UniqueViolationError;
    expect(unique.constraint).toBe("uq_users_email");
    expect(unique.columns).toEqual(["email"]);
    expect(unique.sql).toMatch(/INSERT INTO "users"/);
    expect(unique.cause).toBeDefined();
    expect(await countOf("users")).toBe(1);
  });

  test("current is the active context inside, undefined outside, and never leaks between call chains", async () => {
    expect(t.uw.unitOfWork.current).toBeUndefined();
    const seen = await Promise.all(
      [1, 2, 3].map((n) => run(async (ctx) => {
        await new Promise((r) => setTimeout(r, 5 * (3 - n)));
        return t.uw.unitOfWork.current === ctx ? ctx.id : "mismatch";
      })),
    );
    expect(new Set(seen).size).toBe(3);
    expect(seen).not.toContain("mismatch");
    expect(t.uw.unitOfWork.current).toBeUndefined();
  });
});

describe("nested (savepoint)", () => {
  test("rolling back the inner part keeps the outer work, on the same connection", async () => {
    await run(async (outer) => {
      await users().create({ email: "outer@acme.co" });
      const [{ pid: outerPid }] = await outer.manager.query("SELECT pg_backend_pid() AS pid");
      await expect(
        run(async (inner) => {
          const [{ pid }] = await inner.manager.query("SELECT pg_backend_pid() AS pid");
          expect(pid).toBe(outerPid);
          await users().create({ email: "inner@acme.co" });
          throw new Error("inner failed");
        }, { propagation: "nested" }),
      ).rejects.toThrow("inner failed");
      await users().create({ email: "after@acme.co" });
    });
    const emails = (await t.uw.dataSource.query("SELECT email FROM users ORDER BY id")).map((r: { email: string }) => r.email);
    expect(emails).toEqual(["outer@acme.co", "after@acme.co"]);
  });

  test("a failed statement inside a nested unit leaves the outer unit usable", async () => {
    await users().create({ email: "taken@acme.co" });
    await run(async () => {
      await expect(run(() => users().create({ email: "taken@acme.co" }), { propagation: "nested" })).rejects.toBeInstanceOf(UniqueViolationError);
      await users().create({ email: "fresh@acme.co" });
    });
    expect(await countOf("users")).toBe(2);
  });

  test("a committed savepoint is still undone when the outer unit rolls back", async () => {
    await expect(
      run(async () => {
        await run(() => users().create({ email: "inner@acme.co" }), { propagation: "nested" });
        throw new Error("outer failed");
      }),
    ).rejects.toThrow("outer failed");
    expect(await countOf("users")).toBe(0);
  });

  test("without an active unit it begins one", async () => {
    await run(async (ctx) => {
      expect(ctx.depth).toBe(0);
      expect(ctx.transactional).toBe(true);
      await users().create({ email: "solo@acme.co" });
    }, { propagation: "nested" });
    expect(await countOf("users")).toBe(1);
  });
});

describe("requiresNew", () => {
  test("commits independently even when the outer unit rolls back", async () => {
    await expect(
      run(async (outer) => {
        await users().create({ email: "outer@acme.co" });
        await run(async (inner) => {
          expect(inner.manager).not.toBe(outer.manager);
          await users().create({ email: "audit@acme.co" });
        }, { propagation: "requiresNew" });
        throw new Error("outer failed");
      }),
    ).rejects.toThrow("outer failed");
    const emails = (await t.uw.dataSource.query("SELECT email FROM users")).map((r: { email: string }) => r.email);
    expect(emails).toEqual(["audit@acme.co"]);
  });

  test("does not see the outer unit's uncommitted writes", async () => {
    await run(async () => {
      await users().create({ email: "outer@acme.co" });
      const seen = await run(() => users().count(), { propagation: "requiresNew" });
      expect(seen).toBe(0);
      expect(await users().count()).toBe(1);
    });
  });
});

describe("mandatory, never, supports, notSupported", () => {
  test("mandatory throws TransactionRequiredError outside a unit of work and joins inside one", async () => {
    await expect(run(async () => "x", { propagation: "mandatory" })).rejects.toBeInstanceOf(TransactionRequiredError);
    await run(async (outer) => {
      await run(async (inner) => expect(inner.manager).toBe(outer.manager), { propagation: "mandatory" });
    });
  });

  test("never throws IllegalTransactionStateError inside a unit of work and runs without one outside", async () => {
    await run(async () => {
      await expect(run(async () => "x", { propagation: "never" })).rejects.toBeInstanceOf(IllegalTransactionStateError);
    });
    await run(async (ctx) => {
      expect(ctx.transactional).toBe(false);
      expect(ctx.manager).toBe(t.uw.dataSource.manager);
    }, { propagation: "never" });
  });

  test("supports joins an active unit, else runs without a transaction", async () => {
    await run(async (ctx) => expect(ctx.transactional).toBe(false), { propagation: "supports" });
    await run(async (outer) => {
      await run(async (inner) => expect(inner.manager).toBe(outer.manager), { propagation: "supports" });
    });
  });

  test("notSupported suspends the active unit: its writes auto-commit and survive the outer rollback", async () => {
    await expect(
      run(async () => {
        await users().create({ email: "outer@acme.co" });
        await run(async (ctx) => {
          expect(ctx.transactional).toBe(false);
          await users().create({ email: "suspended@acme.co" });
        }, { propagation: "notSupported" });
        throw new Error("outer failed");
      }),
    ).rejects.toThrow("outer failed");
    const emails = (await t.uw.dataSource.query("SELECT email FROM users")).map((r: { email: string }) => r.email);
    expect(emails).toEqual(["suspended@acme.co"]);
  });
});

describe("isolation and read-only", () => {
  test("the isolation level is really set on the server", async () => {
    for (const isolation of ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] as const) {
      const level = await run(async (ctx) => {
        const [row] = await ctx.manager.query("SELECT current_setting('transaction_isolation') AS level");
        return row.level;
      }, { isolation });
      expect(level).toBe(isolation.toLowerCase());
    }
  });

  test("joining with a different isolation throws IllegalTransactionStateError", async () => {
    await run(async () => {
      await expect(run(async () => "x", { isolation: "READ COMMITTED" })).rejects.toBeInstanceOf(IllegalTransactionStateError);
      await expect(run(async () => "ok", { isolation: "SERIALIZABLE" })).resolves.toBe("ok");
    }, { isolation: "SERIALIZABLE" });
  });

  test("readOnly begins READ ONLY: the server refuses writes and nothing is written", async () => {
    const setting = await run(async (ctx) => {
      const [row] = await ctx.manager.query("SELECT current_setting('transaction_read_only') AS ro");
      return row.ro;
    }, { readOnly: true });
    expect(setting).toBe("on");
    const error = await run(() => users().create({ email: "ro@acme.co" }), { readOnly: true }).catch((e: unknown) => e);
    expect((error as { sqlState?: string }).sqlState).toBe("25006");
    expect(await countOf("users")).toBe(0);
  });

  test("unknown options are refused before anything runs", async () => {
    await expect(run(async () => 1, { propagation: "sometimes" as never })).rejects.toThrow(/unknown propagation/);
    await expect(run(async () => 1, { isolation: "READ UNCOMMITTED" as never })).rejects.toThrow(/unknown isolation/);
    await expect(run(async () => 1, { timeoutMs: -5 })).rejects.toThrow(/timeoutMs/);
    await expect(run(async () => 1, { retry: { attempts: 0 } })).rejects.toThrow(/retry.attempts/);
  });
});
