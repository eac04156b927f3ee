/**
 * Issue 15's streaming reads: `stream(options)` gives exactly the rows of `findMany(options)` in the
 * same order, loads relations per batch, and gives its connection back however the loop ends.
 */
import { FunctionEntity, FunctionInvocation } from "../../examples/domain";
import { ConnectionLostError, IllegalTransactionStateError, InvalidQueryError, untrusted, type AsyncBaseRepository, type StreamOptions } from "../../src";
import { expectQueryCount } from "../../src/testing";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed, type Fixture } from "./fixtures";

const ROWS = 5000;
let t: TestUnitwork;
let fixture: Fixture;
let invocations: AsyncBaseRepository<FunctionInvocation>;

beforeAll(async () => {
  t = await openTestUnitwork({ repositories: { maxPageSize: 10_000 }, poolSize: 4 });
  fixture = await seed(t.uw);
  invocations = t.uw.repositories.create(FunctionInvocation);
  const statuses = ["success", "error", "timeout"] as const;
  const ids = fixture.functions.map((f) => f.id);
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    functionId: ids[i % ids.length]!,
    status: statuses[i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0],
    durationMs: (i * 37) % 50, // many ties
    requestSize: i % 3 === 0 ? null : (i * 13) % 200, // nulls and ties
    error: i % 5 === 0 ? `failure ${i % 4}` : null,
    coldStart: i % 2 === 0,
    invokedAt: new Date(Date.UTC(2025, 0, 1 + (i % 20))), // ties
  }));
  await invocations.bulkInsert(rows);
});
afterAll(() => t.close());

async function collect<T extends object>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Connections checked out of the pool and sessions of this database holding a transaction open. */
async function connectionState(): Promise<{ checkedOut: number; inTransaction: number }> {
  const pool = (t.uw.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
  const checkedOut = pool.totalCount - pool.idleCount;
  const rows = (await t.uw.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)) as { n: number }[];
  return { checkedOut, inTransaction: rows[0]!.n };
}

describe("the rows of findMany, in findMany's order", () => {
  const cases: [string, StreamOptions<FunctionInvocation>][] = [
    ["no options (primary key order)", {}],
    ["a sort with ties", { orderBy: "-durationMs" }],
    ["a sort over nulls (nulls last)", { orderBy: "requestSize,-invokedAt" }],
    ["nulls first", { orderBy: { requestSize: { direction: "DESC", nulls: "first" }, status: "ASC" } }],
    ["a filter and a sort", { where: { status: { in: ["error", "timeout"] }, requestSize: { isNull: true } }, orderBy: "-invokedAt,durationMs" }],
    ["or / not and a relation field", { where: { or: [{ error: { startsWith: "failure 1" } }, { not: { coldStart: true } }], function: { name: { in: ["alpha", "beta"] } } }, orderBy: "function.name,-id" }],
    ["limit and offset", { orderBy: "durationMs", limit: 1234, offset: 17 }],
  ];
  test.each(cases)("%s", async (_name, options) => {
    const found = await invocations.findMany(options as never);
    expect(found.length).toBeGreaterThan(50);
    const streamed = await collect(invocations.stream({ ...options, batchSize: 7 }));
    expect(streamed.map((e) => e.id)).toEqual(found.map((e) => e.id));
    expect(streamed).toStrictEqual(found); // same classes, same values (dates, bigint ids as strings)
    expect((await collect(invocations.stream(options))).map((e) => e.id)).toEqual(found.map((e) => e.id));
  });

  test("a batch size that divides the row count, one above it, and 1", async () => {
    const all = await invocations.findMany({ orderBy: "-durationMs" });
    expect(all).toHaveLength(ROWS + 2);
    for (const batchSize of [ROWS + 2, (ROWS + 2) / 2, 10_000]) {
      expect((await collect(invocations.stream({ orderBy: "-durationMs", batchSize }))).map((e) => e.id)).toEqual(all.map((e) => e.id));
    }
    const few = { where: { durationMs: 3 }, orderBy: "-invokedAt" } as const;
    expect(await collect(invocations.stream({ ...few, batchSize: 1 }))).toStrictEqual(await invocations.findMany(few));
    expect(await collect(invocations.stream({ where: { durationMs: 1000 } }))).toEqual([]);
  });

  test("relations, loaded as findMany loads them (query and join strategies)", async () => {
    const nested = { where: { durationMs: { lt: 10 } }, orderBy: "-durationMs", relations: { function: { user: true, deployments: true } } } as const;
    expect(await collect(invocations.stream({ ...nested, batchSize: 100 }))).toStrictEqual(await invocations.findMany(nested));
    const joined = { where: { durationMs: { lt: 10 } }, relations: { function: { user: true } }, relationStrategy: "join" } as const;
    const streamed = await collect(invocations.stream({ ...joined, batchSize: 100 }));
    expect(streamed).toStrictEqual(await invocations.findMany(joined));
    expect(streamed[0]!.function).toBeInstanceOf(FunctionEntity);
  });
});

describe("relations per batch", () => {
  test("one statement per relation and level per batch, never per row", async () => {
    const options = { where: { durationMs: { lt: 10 } }, relations: { function: { user: true } }, batchSize: 250 } as const;
    const expected = await invocations.count(options.where);
    expect(expected).toBe(1000);
    const { result, report } = await t.uw.analyzer.scope("stream", () => collect(invocations.stream(options)));
    expect(result).toHaveLength(1000);
    const sql = report.queries.map((q) => q.sql);
    const count = (pattern: RegExp) => sql.filter((s) => pattern.test(s)).length;
    expect(count(/^DECLARE /)).toBe(1);
    expect(count(/^FETCH /)).toBe(5); // 4 full batches, then an empty one
    expect(count(/FROM "functions"/)).toBe(4);
    expect(count(/FROM "users"/)).toBe(4);
    expect(sql).toHaveLength(1 + 5 + 4 + 4);
    expect(report.findings).toEqual([]); // the batches are one operation, not an N+1 loop
    await expectQueryCount(() => collect(invocations.stream({ ...options, batchSize: 1000 })), { exact: 1 + 2 + 1 + 1 });
  });
});

describe("the connection", () => {
  test("an early break closes the cursor and releases the connection", async () => {
    expect(await connectionState()).toEqual({ checkedOut: 0, inTransaction: 0 });
    let seen = 0;
    for await (const invocation of invocations.stream({ batchSize: 100 })) {
      expect(invocation).toBeInstanceOf(FunctionInvocation);
      if (++seen === 1) expect(await connectionState()).toEqual({ checkedOut: 1, inTransaction: 1 });
      if (seen === 150) break;
    }
    expect(seen).toBe(150);
    expect(await connectionState()).toEqual({ checkedOut: 0, inTransaction: 0 });
  });

  test("return() before the end releases the connection; a stream never iterated takes none", async () => {
    const stream = invocations.stream({ batchSize: 10 });
    expect((await stream.next()).done).toBe(false);
    expect((await connectionState()).checkedOut).toBe(1);
    await stream.return();
    expect(await connectionState()).toEqual({ checkedOut: 0, inTransaction: 0 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    invocations.stream();
    expect((await connectionState()).checkedOut).toBe(0);
  });

  test("an error thrown by the consumer mid-loop releases the connection and reaches the caller unchanged", async () => {
    const boom = new Error("boom");
    const failed = await (async () => {
      let n = 0;
      for await (const _ of invocations.stream({ batchSize: 64 })) if (++n === 100) throw boom;
    })().catch((e: unknown) => e);
    expect(failed).toBe(boom);
    expect(await connectionState()).toEqual({ checkedOut: 0, inTransaction: 0 });
  });

  test("outside a unit of work the stream reads in a read-only transaction of its own", async () => {
    const stream = invocations.stream({ batchSize: 10 });
    await stream.next();
    const [session] = (await t.uw.dataSource.query(`SELECT backend_xid IS NULL AS "noXid", query FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)) as { noXid: boolean; query: string }[];
    expect(session!.query).toMatch(/^FETCH FORWARD 10 FROM uw_stream_/);
    await stream.return();
  });

  test("a connection killed under the stream gives a typed error and the pool recovers", async () => {
    const stream = invocations.stream({ batchSize: 10 });
    await stream.next();
    await t.uw.dataSource.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'FETCH FORWARD 10 FROM uw_stream_%'`);
    const error = await (async () => {
      for (;;) if ((await stream.next()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((await connectionState()).checkedOut).toBe(0);
    expect(await collect(invocations.stream({ limit: 3 }))).toHaveLength(3);
  });
});

describe("inside a unit of work", () => {
  test("the stream uses the unit's transaction and sees its uncommitted writes", async () => {
    await t.uw.unitOfWork.run(async (ctx) => {
      const repo = ctx.repository(FunctionInvocation);
      const added = await repo.create({ functionId: fixture.functions[0]!.id, status: "timeout", durationMs: 4242 });
      const seen = await collect(repo.stream({ where: { durationMs: 4242 } }));
      expect(seen.map((e) => e.id)).toEqual([added.id]);
      // the unit's own connection: no second one was taken for the stream
      expect((await connectionState()).checkedOut).toBe(1);
      // a stream outside it (here: in a scope without a transaction) reads on a connection of its own and does not see it
      expect(await t.uw.unitOfWork.run(() => collect(invocations.stream({ where: { durationMs: 4242 } })), { propagation: "notSupported" })).toEqual([]);
      throw new Error("roll back");
    }).catch((e: unknown) => expect((e as Error).message).toBe("roll back"));
    expect(await invocations.count({ durationMs: 4242 })).toBe(0);
  });

  test("an early break closes the cursor and the unit goes on", async () => {
    await t.uw.unitOfWork.run(async (ctx) => {
      const cursors = async () => Number((await ctx.manager.query(`SELECT count(*) AS n FROM pg_cursors WHERE name LIKE 'uw_stream_%'`))[0].n);
      let n = 0;
      for await (const _ of ctx.repository(FunctionInvocation).stream({ batchSize: 50 })) {
        if (n === 0) expect(await cursors()).toBe(1);
        if (++n === 75) break;
      }
      expect(await cursors()).toBe(0);
      expect(await ctx.repository(FunctionInvocation).count()).toBe(ROWS + 2);
    });
  });

  test("a stream that outlives its unit of work throws IllegalTransactionStateError; the unit committed", async () => {
    let open: AsyncGenerator<FunctionInvocation> | undefined;
    let never: AsyncGenerator<FunctionInvocation> | undefined;
    await t.uw.unitOfWork.run(async (ctx) => {
      await ctx.repository(FunctionInvocation).create({ functionId: fixture.functions[1]!.id, status: "success", durationMs: 4343 });
      open = ctx.repository(FunctionInvocation).stream({ batchSize: 5 });
      expect((await open.next()).done).toBe(false);
      never = invocations.stream({ where: { durationMs: 4343 } });
    });
    await expect(open!.next()).rejects.toThrow(IllegalTransactionStateError);
    await expect(never!.next()).rejects.toThrow(IllegalTransactionStateError);
    expect(await open!.next()).toEqual({ done: true, value: undefined });
    expect(await invocations.count({ durationMs: 4343 })).toBe(1);
    expect((await connectionState()).checkedOut).toBe(0);
  });
});

describe("options", () => {
  test.each([
    ["batchSize 0", { batchSize: 0 }, "batchSize"],
    ["batchSize above 10,000", { batchSize: 10_001 }, "batchSize"],
    ["a fractional batchSize", { batchSize: 1.5 }, "batchSize"],
    ["a string batchSize", { batchSize: "100" }, "batchSize"],
    ["limit 0", { limit: 0 }, "limit"],
    ["a negative offset", { offset: -1 }, "offset"],
    ["an offset above maxOffset", { offset: 100_001 }, "offset"],
    ["a misspelt option", { wher: { status: "error" } }, "wher"],
    ["an unknown field", { where: { nope: 1 } }, "nope"],
    ["an unknown sort key", { orderBy: "-nope" }, undefined],
    ["an unknown relation", { relations: { nope: true } }, undefined],
    ["a bad relation strategy", { relationStrategy: "lazy" }, "relationStrategy"],
    ["join with a to-many relation", { relations: { function: { deployments: true } }, relationStrategy: "join" }, "relationStrategy"],
    ["untrusted input as filter structure", { where: { status: untrusted({ ilike: "%" }) } }, undefined],
  ])("%s is an InvalidQueryError when stream is called, before any connection is taken", (_name, options, key) => {
    let thrown: unknown;
    try {
      invocations.stream(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidQueryError);
    if (key) expect((thrown as InvalidQueryError).key).toBe(key);
  });

  test("options that are no object are refused; a limit is not bound by maxPageSize", async () => {
    expect(() => invocations.stream(null as never)).toThrow(InvalidQueryError);
    expect(() => invocations.stream("where" as never)).toThrow(InvalidQueryError);
    expect(await collect(invocations.stream({ limit: 12_000, batchSize: 999 }))).toHaveLength(await invocations.count());
  expect(await collect(invocations.stream({ limit: 1500, orderBy: "-id" }))).toStrictEqual(await invocations.findMany({ limit: 1000, orderBy: "-id" }).then(async (first) => [...first, ...(await invocations.findMany({ limit: 500, offset: 1000, orderBy: "-id" }))]));
  });
});
