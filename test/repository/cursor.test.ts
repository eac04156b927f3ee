import type { BeforeQueryEvent } from "typeorm";
import { FunctionDeployment, FunctionEntity, FunctionLog, User } from "../../examples/domain";
import { InvalidQueryError, type AsyncBaseRepository, type Sort } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed } from "./fixtures";

let t: TestUnitwork;
let deps: AsyncBaseRepository<FunctionDeployment>;
beforeAll(async () => {
  t = await openTestUnitwork({ repositories: { cursorSecret: "test-secret" } });
  await seed(t.uw);
  deps = t.uw.repositories.create(FunctionDeployment);
});
afterAll(() => t.close());

async function walk<T extends object>(repo: AsyncBaseRepository<T>, orderBy: Sort<T> | undefined, first: number, where?: object): Promise<T[]> {
  const seen: T[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await repo.paginateByCursor({ first, after, orderBy, where: where as never });
    seen.push(...page.items);
    if (!page.pageInfo.hasNextPage) return seen;
    after = page.pageInfo.endCursor;
  }
  throw new Error("walk did not end");
}

describe("paginateByCursor", () => {
  test.each<[string, Sort<FunctionDeployment> | undefined]>([
    ["primary key only", undefined],
    ["nullable column, NULLS LAST", "deployedAt"],
    ["nullable column descending (NULLS FIRST)", "-deployedAt"],
    ["explicit NULLS FIRST ascending", { deployedAt: { direction: "ASC", nulls: "first" }, version: "DESC" }],
    ["explicit NULLS LAST descending", { deployedAt: { direction: "DESC", nulls: "last" } }],
    ["relation fields", { function: { user: { email: "DESC" }, name: "ASC" }, version: "ASC" }],
    ["booleans, enums and strings", "isActive,-status,imageTag"],
  ])("walks in pages exactly like one findMany: %s", async (_label, orderBy) => {
    const all = (await deps.findMany({ orderBy })).map((d) => d.id);
    for (const first of [1, 2, 3]) {
      expect((await walk(deps, orderBy, first)).map((d) => d.id)).toEqual(all);
    }
  });

  test("pageInfo and filters", async () => {
    const page = await deps.paginateByCursor({ first: 2, where: { function: { name: "alpha" } }, orderBy: "-version" });
    expect(page.items.map((d) => d.version)).toEqual([3, 2]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(typeof page.pageInfo.startCursor).toBe("string");
    const next = await deps.paginateByCursor({ first: 2, where: { function: { name: "alpha" } }, orderBy: "-version", after: page.pageInfo.endCursor });
    expect(next.items.map((d) => d.version)).toEqual([1]);
    expect(next.pageInfo.hasNextPage).toBe(false);
    const none = await deps.paginateByCursor({ first: 2, where: { version: 99 } });
    expect(none).toEqual({ items: [], pageInfo: { startCursor: null, endCursor: null, hasNextPage: false } });
  });

  test("a page's cursors are made when first read, and stay the same on every read, in JSON and in a spread", async () => {
    const page = await deps.paginateByCursor({ first: 2, orderBy: "-version" });
    const end = page.pageInfo.endCursor;
    expect(typeof end).toBe("string");
    expect(page.pageInfo.endCursor).toBe(end); // each encryption has a fresh IV: a second one would differ
    const json = JSON.parse(JSON.stringify(page)) as typeof page;
    expect(json.pageInfo).toEqual({ startCursor: page.pageInfo.startCursor, endCursor: end, hasNextPage: true });
    expect({ ...page.pageInfo }).toEqual(json.pageInfo);
    const next = await deps.paginateByCursor({ first: 2, orderBy: "-version", after: json.pageInfo.endCursor });
    expect(next.items[0]!.id).not.toBe(page.items[1]!.id);
  });

  test("a page after a cursor starts its index scan at the cursor: the first key bounds the scan, not only the filter", async () => {
    const logs = t.uw.repositories.create(FunctionLog);
    const [fn] = await t.uw.repositories.create(FunctionEntity).findMany({ limit: 1, orderBy: "id" });
    // created_at is maintained by unitwork on writes: the rows get theirs in SQL, a second apart
    await t.uw.dataSource.query(
      `INSERT INTO function_logs (function_id, level, message, created_at) SELECT $1, 'info', 'm' || g, timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(0, 299) g`,
      [fn!.id],
    );
    /** The second page of 20 in `orderBy`: its rows, the SQL of its statement, and the Index Conds of its plan (seqscan off). */
    const secondPage = async (orderBy: string) => {
      const first = await logs.paginateByCursor({ first: 20, where: { functionId: fn!.id }, orderBy });
      const seen: { sql: string; parameters: unknown[] }[] = [];
      const spy = { beforeQuery: (e: BeforeQueryEvent) => void seen.push({ sql: e.query, parameters: (e.parameters ?? []) as unknown[] }) };
      t.uw.dataSource.subscribers.push(spy);
      let next;
      try {
        next = await logs.paginateByCursor({ first: 20, where: { functionId: fn!.id }, orderBy, after: first.pageInfo.endCursor });
      } finally {
        t.uw.dataSource.subscribers.splice(t.uw.dataSource.subscribers.indexOf(spy), 1);
      }
      const page = seen.find((q) => /FROM "function_logs"/.test(q.sql))!;
      const plan = await t.uw.unitOfWork.run(async (ctx) => {
        await ctx.manager.query("SET LOCAL enable_seqscan = off");
        return (await ctx.manager.query(`EXPLAIN (FORMAT JSON) ${page.sql}`, page.parameters))[0]["QUERY PLAN"];
      });
      const conditions: string[] = [];
      const visit = (node: Record<string, unknown>) => {
        if (typeof node["Index Cond"] === "string") conditions.push(node["Index Cond"]);
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
      };
      visit(plan[0].Plan);
      return { messages: next.items.map((l) => l.message), sql: page.sql, conditions: conditions.join(" ") };
    };
    const secondTwenty = Array.from({ length: 20 }, (_, i) => `m${279 - i}`);
    try {
      // the index (function_id, created_at) is entered at the cursor's created_at, not at the function's first row
      const mixed = await secondPage("-createdAt");
      expect(mixed.messages).toEqual(secondTwenty);
      expect(mixed.conditions).toMatch(/created_at <=/);
      // every key one way, none nullable: one row comparison; PostgreSQL bounds the scan by the part of the
      // row the index holds (here created_at: the index has no id)
      const row = await secondPage("-createdAt,-id");
      expect(row.messages).toEqual(secondTwenty);
      expect(row.sql).toMatch(/\("e"\."created_at", "e"\."id"\) < \(\$\d+, \$\d+\)/);
      expect(row.conditions).toMatch(/function_id = .*created_at <= /);
    } finally {
      // removed however the test ends: other tests walk every log row
      await t.uw.dataSource.query(`DELETE FROM function_logs WHERE function_id = $1 AND message ~ '^m[0-9]+$'`, [fn!.id]);
    }
  });

  test("a column the entity declares NOT NULL but the table lets be NULL (a table not synchronized with it): no row is skipped", async () => {
    const logs = t.uw.repositories.create(FunctionLog);
    const [fn] = await t.uw.repositories.create(FunctionEntity).findMany({ limit: 1, orderBy: "id" });
    await t.uw.dataSource.query(`ALTER TABLE function_logs ALTER COLUMN message DROP NOT NULL`);
    await t.uw.dataSource.query(`INSERT INTO function_logs (function_id, level, message) SELECT $1, 'info', CASE WHEN g % 3 = 0 THEN NULL ELSE 'drift ' || g END FROM generate_series(1, 9) g`, [fn!.id]);
    try {
      const where = { functionId: fn!.id, level: "info" } as const;
      for (const orderBy of ["message", "-message", "message,-id"]) {
        const all = (await logs.findMany({ where, orderBy })).map((l) => l.id);
        expect(all.length).toBeGreaterThanOrEqual(9);
        expect((await walk(logs, orderBy as never, 2, where)).map((l) => l.id)).toEqual(all);
      }
    } finally {
      await t.uw.dataSource.query(`DELETE FROM function_logs WHERE function_id = $1 AND (message IS NULL OR message LIKE 'drift %')`, [fn!.id]);
      await t.uw.dataSource.query(`ALTER TABLE function_logs ALTER COLUMN message SET NOT NULL`);
    }
  });

  test("relations are loaded for the page's roots", async () => {
    const fns = t.uw.repositories.create(FunctionEntity);
    const page = await fns.paginateByCursor({ first: 2, orderBy: "name", relations: { deployments: true, user: true } });
    expect(page.items.map((f) => [f.name, f.deployments!.length, f.user!.email])).toEqual([["alpha", 3, "ada@acme.co"], ["beta", 1, "ada@acme.co"]]);
  });

  test("tampered, foreign or malformed cursors throw InvalidQueryError", async () => {
    const page = await deps.paginateByCursor({ first: 1, orderBy: "-version" });
    const cursor = page.pageInfo.endCursor!;
    const raw = Buffer.from(cursor, "base64url");
    const flipped = Buffer.from(raw);
    flipped[20] = flipped[20]! ^ 1;
    const attempts: unknown[] = [
      Buffer.from(JSON.stringify(["1", "1"])).toString("base64url"),
      flipped.toString("base64url"),
      cursor.slice(0, -4),
      `${cursor}.x`,
      "not-a-cursor",
      "",
      42,
      { version: 1 },
    ];
    for (const after of attempts) {
      await expect(deps.paginateByCursor({ first: 1, orderBy: "-version", after: after as string })).rejects.toThrow(InvalidQueryError);
    }
    await expect(deps.paginateByCursor({ first: 1, orderBy: "version", after: cursor })).rejects.toThrow(/tampered with, or issued for another entity, order, filter, withDeleted or secret/);
    await expect(t.uw.repositories.create(FunctionEntity).paginateByCursor({ first: 1, orderBy: "-version", after: cursor })).rejects.toThrow(/invalid cursor/);
    await expect(deps.paginateByCursor({ first: 0 })).rejects.toThrow(/first must be an integer of at least 1/);
    await expect(deps.paginateByCursor({ first: 1001 })).rejects.toThrow(/above the maximum page size of 1000/);
  });

  test("a cursor reveals no sort value, and is refused under another filter or withDeleted", async () => {
    const users = t.uw.repositories.create(User);
    const page = await users.paginateByCursor({ first: 1, orderBy: "email", where: { role: "user" } });
    const cursor = page.pageInfo.endCursor!;
    const decoded = Buffer.from(cursor, "base64url").toString("latin1");
    expect(decoded).not.toContain(page.items[0]!.email);
    const next = await users.paginateByCursor({ first: 1, orderBy: "email", where: { role: "user" }, after: cursor });
    expect(next.items[0]?.email).not.toBe(page.items[0]!.email);
    await expect(users.paginateByCursor({ first: 1, orderBy: "email", where: { role: "admin" }, after: cursor })).rejects.toThrow(/invalid cursor/);
    await expect(users.paginateByCursor({ first: 1, orderBy: "email", after: cursor })).rejects.toThrow(/invalid cursor/);
    await expect(users.paginateByCursor({ first: 1, orderBy: "email", where: { role: "user" }, withDeleted: true, after: cursor })).rejects.toThrow(/invalid cursor/);
  });

  test("a cursor of another secret is refused", async () => {
    const other = await openTestUnitwork({ repositories: { cursorSecret: "another-secret" }, label: "cursor-other" });
    try {
      await seed(other.uw);
      const page = await other.uw.repositories.create(FunctionDeployment).paginateByCursor({ first: 1 });
      await expect(deps.paginateByCursor({ first: 1, after: page.pageInfo.endCursor })).rejects.toThrow(InvalidQueryError);
    } finally {
      await other.close();
    }
  });

  test("a keyset walk of 10,000 rows in pages of 100 sees every pre-existing row once, despite concurrent inserts", async () => {
    const functionId = (await t.uw.repositories.create(FunctionEntity).findFirst({ where: { name: "alpha" } }))!.id;
    // 10,000 rows in one set-based statement; created_at values tie often and differ in microseconds
    await t.uw.dataSource.query(
      `INSERT INTO function_logs (function_id, level, message, created_at)
       SELECT $1, 'info', 'line ' || g, timestamptz '2025-01-01 00:00:00+00' + ((g * 7919) % 3000) * interval '3 microseconds'
       FROM generate_series(1, 10000) g`,
      [functionId],
    );
    const logs = t.uw.repositories.create(FunctionLog);
    const existing = new Set((await t.uw.dataSource.query(`SELECT id FROM function_logs`) as { id: string }[]).map((r) => r.id));
    expect(existing.size).toBe(10_000);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    let inserted = 0;
    do {
      const page = await logs.paginateByCursor({ first: 100, after, orderBy: "-createdAt" });
      seen.push(...page.items.map((l) => l.id));
      pages++;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      // another connection inserts rows before, at and after the walk's position while it runs
      const result = await t.uw.dataSource.query(
        `INSERT INTO function_logs (function_id, level, message, created_at)
         SELECT $1, 'warn', 'concurrent', timestamptz '2025-01-01 00:00:00+00' + ((g * 104729 + $2) % 3000) * interval '3 microseconds'
         FROM generate_series(1, 5) g RETURNING id`,
        [functionId, pages * 31],
      );
      inserted += (result as unknown[]).length;
    } while (after);
    expect(inserted).toBeGreaterThan(500);
    expect(new Set(seen).size).toBe(seen.length); // nothing repeated
    const seenSet = new Set(seen);
    const missing = [...existing].filter((id) => !seenSet.has(id));
    expect(missing).toEqual([]); // nothing skipped
    expect(pages).toBeGreaterThanOrEqual(100);
  });
});
