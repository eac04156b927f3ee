import { User } from "../../examples/domain";
import {
  AfterCommitHookError,
  ConnectionLostError,
  DeadlockError,
  IllegalTransactionStateError,
  SerializationFailureError,
  TransactionAbortedError,
  UniqueViolationError,
  UnitOfWorkTimeoutError,
} from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork({ poolSize: 4 })));
afterAll(() => t.close());
beforeEach(() => t.uw.dataSource.query("TRUNCATE users RESTART IDENTITY CASCADE"));

const users = () => t.uw.repositories.create(User);
const run = (...args: Parameters<TestUnitwork["uw"]["unitOfWork"]["run"]>) => t.uw.unitOfWork.run(...args);
async function countUsers(): Promise<number> {
  const [row] = await t.uw.dataSource.query("SELECT count(*)::int AS n FROM users");
  return row.n;
}
/** Raises an error with the given SQLSTATE from the server, as a real conflict would. */
const raise = (sqlState: string) => `DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '${sqlState}'; END $$`;

describe("timeoutMs", () => {
  test("cancels the statement in flight, throws UnitOfWorkTimeoutError and commits nothing", async () => {
    const started = Date.now();
    const error = await run(async (ctx) => {
      await users().create({ email: "slow@acme.co" });
      await ctx.manager.query("SELECT pg_sleep(10)");
    }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitOfWorkTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000); // far below pg_sleep(10): the statement was cancelled
    expect(await countUsers()).toBe(0);
    const sleeping = await t.uw.dataSource.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(10)%' AND state = 'active'");
    expect(sleeping[0].n).toBe(0);
  });

  test("between statements, the next statement is refused after the deadline", async () => {
    let secondStatement: unknown = "not reached";
    const error = await run(async () => {
      await users().create({ email: "first@acme.co" });
      await new Promise((r) => setTimeout(r, 250));
      secondStatement = await users().create({ email: "second@acme.co" }).catch((e: unknown) => e);
    }, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitOfWorkTimeoutError);
    await new Promise((r) => setTimeout(r, 300));
    expect(secondStatement).toBeInstanceOf(Error);
    expect(await countUsers()).toBe(0);
  });

  test("the wait for a pool connection counts toward the deadline", async () => {
    const holders = Array.from({ length: 4 }, () => run((ctx) => ctx.manager.query("SELECT pg_sleep(0.8)")));
    await new Promise((r) => setTimeout(r, 100));
    const error = await run(() => users().create({ email: "late@acme.co" }), { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitOfWorkTimeoutError);
    await Promise.all(holders);
    expect(await countUsers()).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.uw.health()).pool.waiting).toBe(0);
  });

  test("an outer deadline after a caught inner timeout still cancels its own statement", async () => {
    const started = performance.now();
    const error = await run(async () => {
      const inner = await run((ctx) => ctx.manager.query("SELECT pg_sleep(10)"), { propagation: "nested", timeoutMs: 100 }).catch((e: unknown) => e);
      expect(inner).toBeInstanceOf(UnitOfWorkTimeoutError);
      await users().create({ email: "after-inner@acme.co" }); // the unit goes on after the savepoint's rollback
      await run((ctx) => ctx.manager.query("SELECT pg_sleep(10)"), { propagation: "required" });
    }, { timeoutMs: 800 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitOfWorkTimeoutError);
    // settled at the outer deadline, not when the 10 s statement would have ended
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await countUsers()).toBe(0);
  });

  test("inner units inherit the deadline", async () => {
    const error = await run(async () => {
      await run((ctx) => ctx.manager.query("SELECT pg_sleep(10)"), { propagation: "nested" });
    }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnitOfWorkTimeoutError);
  });
});

describe("retry", () => {
  test("a serialization failure re-runs the whole work, and the retry commits", async () => {
    let attempts = 0;
    const result = await run(async (ctx) => {
      attempts++;
      await users().create({ email: `attempt${attempts}@acme.co` });
      if (attempts < 3) await ctx.manager.query(raise("40001"));
      return attempts;
    }, { isolation: "SERIALIZABLE", retry: { attempts: 5, baseDelayMs: 1 } });
    expect(result).toBe(3);
    const emails = (await t.uw.dataSource.query("SELECT email FROM users")).map((r: { email: string }) => r.email);
    expect(emails).toEqual(["attempt3@acme.co"]);
  });

  test("a real serialization conflict between two units is retried until it commits", async () => {
    await users().create({ email: "counter@acme.co" });
    let attempts = 0;
    const bump = (suffix: string) => run(async (ctx) => {
      attempts++;
      const [row] = await ctx.manager.query("SELECT email FROM users WHERE id = 1");
      await new Promise((r) => setTimeout(r, 30));
      await ctx.manager.query("UPDATE users SET email = $1 WHERE id = 1", [`${row.email}+${suffix}`]);
    }, { isolation: "SERIALIZABLE", retry: { attempts: 10, baseDelayMs: 5 } });
    await Promise.all([bump("a"), bump("b")]);
    const [row] = await t.uw.dataSource.query("SELECT email FROM users WHERE id = 1");
    expect(row.email.split("+").sort()).toEqual(["a", "b", "counter@acme.co"].sort());
    expect(attempts).toBeGreaterThanOrEqual(3);
  });

  test("gives up with SerializationFailureError after the attempts, and drops the hooks of failed attempts", async () => {
    let attempts = 0;
    const committed: number[] = [];
    const rolledBack: unknown[] = [];
    const error = await run(async (ctx) => {
      attempts++;
      const attempt = attempts;
      ctx.onCommit(() => void committed.push(attempt));
      ctx.onRollback((e) => void rolledBack.push(e));
      await ctx.manager.query(raise("40001"));
    }, { retry: { attempts: 3, baseDelayMs: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationFailureError);
    expect((error as SerializationFailureError).sqlState).toBe("40001");
    expect(attempts).toBe(3);
    expect(committed).toEqual([]);
    expect(rolledBack).toHaveLength(3);
  });

  test("deadlocks are retried too; other errors are not", async () => {
    let deadlockAttempts = 0;
    await run(async (ctx) => {
      if (++deadlockAttempts === 1) await ctx.manager.query(raise("40P01"));
    }, { retry: { attempts: 2, baseDelayMs: 1 } });
    expect(deadlockAttempts).toBe(2);

    let uniqueAttempts = 0;
    await users().create({ email: "taken@acme.co" });
    await expect(run(async () => {
      uniqueAttempts++;
      await users().create({ email: "taken@acme.co" });
    }, { retry: { attempts: 5 } })).rejects.toBeInstanceOf(UniqueViolationError);
    expect(uniqueAttempts).toBe(1);
    await expect(run((ctx) => ctx.manager.query(raise("40P01")))).rejects.toBeInstanceOf(DeadlockError);
  });
});

describe("hooks", () => {
  test("onCommit hooks run after the outermost COMMIT only, in order, and see the committed data", async () => {
    const events: string[] = [];
    await run(async (ctx) => {
      ctx.onCommit(async () => void events.push(`outer sees ${await countUsers()}`));
      await users().create({ email: "a@acme.co" });
      await run(async (inner) => {
        inner.onCommit(() => void events.push("nested"));
        await users().create({ email: "b@acme.co" });
      }, { propagation: "nested" });
      await run(async (joined) => joined.onCommit(() => void events.push("joined")));
      events.push("work done");
    });
    expect(events).toEqual(["work done", "outer sees 2", "nested", "joined"]);
  });

  test("onCommit never runs after a rollback; onRollback gets the error", async () => {
    const events: unknown[] = [];
    const boom = new Error("boom");
    await expect(run(async (ctx) => {
      ctx.onCommit(() => void events.push("commit"));
      ctx.onRollback((e) => void events.push(e));
      throw boom;
    })).rejects.toBe(boom);
    expect(events).toEqual([boom]);
  });

  test("hooks registered in a rolled-back savepoint: commit hooks dropped, rollback hooks run", async () => {
    const events: string[] = [];
    await run(async () => {
      await run(async (inner) => {
        inner.onCommit(() => void events.push("inner commit"));
        inner.onRollback(() => void events.push("inner rollback"));
        throw new Error("inner");
      }, { propagation: "nested" }).catch(() => undefined);
    });
    expect(events).toEqual(["inner rollback"]);
  });

  test("a throwing onCommit hook: data stays committed, later hooks still run, run() rejects with AfterCommitHookError", async () => {
    const events: string[] = [];
    const hookError = new Error("mailer down");
    const error = await run(async (ctx) => {
      await users().create({ email: "kept@acme.co" });
      ctx.onCommit(() => { throw hookError; });
      ctx.onCommit(() => void events.push("second hook"));
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AfterCommitHookError);
    expect((error as AfterCommitHookError).cause).toBe(hookError);
    expect(events).toEqual(["second hook"]);
    expect(await countUsers()).toBe(1);
  });
});

describe("never commits a failed unit of work", () => {
  test("a failed statement whose error the work caught: the unit rolls back with TransactionAbortedError", async () => {
    await users().create({ email: "taken@acme.co" });
    const error = await run(async () => {
      await users().create({ email: "new@acme.co" });
      await users().create({ email: "taken@acme.co" }).catch(() => undefined); // swallowed by the app
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionAbortedError);
    expect((error as Error).cause).toBeDefined();
    expect(await countUsers()).toBe(1);
  });

  test("nested units started concurrently in one transaction are refused, and nothing commits", async () => {
    const error = await run(async () => {
      await Promise.all([1, 2].map((n) => run(() => users().create({ email: `sibling${n}@acme.co` }), { propagation: "nested" })));
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalTransactionStateError);
    expect(await countUsers()).toBe(0);
  });

  test("a work that returns without awaiting its nested unit is rolled back, not committed", async () => {
    let inner: Promise<unknown> | undefined;
    const error = await run(async () => {
      await users().create({ email: "outer@acme.co" });
      inner = run(() => users().create({ email: "inner@acme.co" }), { propagation: "nested" });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalTransactionStateError);
    await expect(inner).rejects.toBeInstanceOf(Error);
    expect(await countUsers()).toBe(0);
  });

  test("TransactionAbortedError carries the typed error of the statement that failed", async () => {
    await users().create({ email: "taken@acme.co" });
    const error = await run(async () => {
      await users().create({ email: "taken@acme.co" }).catch(() => undefined);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionAbortedError);
    expect((error as Error).cause).toBeInstanceOf(UniqueViolationError);
  });

  test("a repository bound with ctx.repository refuses use after its unit of work ended", async () => {
    const bound = await t.uw.unitOfWork.run(async (ctx) => ctx.repository(User));
    await expect(bound.count()).rejects.toThrow(/has ended/);
  });
});

describe("connections", () => {
  test("pg_terminate_backend of the unit's connection gives ConnectionLostError, and the pool recovers", async () => {
    const error = await run(async (ctx) => {
      await users().create({ email: "doomed@acme.co" });
      const [{ pid }] = await ctx.manager.query("SELECT pg_backend_pid() AS pid");
      await t.uw.dataSource.query("SELECT pg_terminate_backend($1)", [pid]);
      await users().create({ email: "after-kill@acme.co" });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(await countUsers()).toBe(0);
    // every pooled connection still works afterwards
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => run(() => users().create({ email: `ok${i}@acme.co` }))));
    expect(results).toHaveLength(8);
    expect(await countUsers()).toBe(8);
    const health = await t.uw.health();
    expect(health.ok).toBe(true);
    expect(health.pool.waiting).toBe(0);
  });
});
