import fc from "fast-check";
import { afterRun, buildRow, id, mode, mutation, repo, row, rowCount, storedAsGiven, TABLE, useWriteFixture, write, type EntityName, type RowSpec } from "./write-kit";
import { describeInput, hostileJson, hostileScalar, params, toObject } from "./hostile";

/**
 * Hostile input through the bulk writes (`bulkInsert` with and without `validate`, `bulkUpdate`,
 * `bulkUpsert`, `bulkDelete`): hostile rows, huge row sets, hostile and misspelt options, outside a
 * unit of work, inside one that commits and inside one that rolls back (see write-kit.ts).
 */
const RUNS = { bulkInsertValidated: 250, bulkInsert: 200, bulkUpdate: 250, bulkUpsert: 250, bulkDelete: 150 };
const counts = useWriteFixture("hostile bulk writes");

// ------------------------------------------------------------------ bulk writes

const rows = (e: EntityName) => fc.oneof(
  { weight: 8, arbitrary: fc.array(row(e), { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 3_000 }).map((n) => Array.from({ length: n }, () => ({ muts: [] }) as RowSpec).concat([{ muts: [["message", "\ud800"]] }, { muts: [["name", "a\u0000"]] }])) },
);
const buildRows = (e: EntityName, specs: unknown): unknown[] => (specs as RowSpec[]).map((s) => buildRow(e, s));
const chunkSize = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 5 }), fc.constantFrom<unknown>(0, -1, 0.5, Number.NaN, Infinity, 1e9, "2", null));
const misspelt = fc.option(fc.tuple(fc.constantFrom("returnng", "validat", "chunksize", "conflictPath", "__proto__", "constructor", "onprogress"), hostileScalar), { freq: 6, nil: undefined });
const withOption = (options: Record<string, unknown>, extra: [string, unknown] | undefined) => {
  if (extra) Object.defineProperty(options, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
  return options;
};

for (const validated of [true, false]) {
  const cls = validated ? "bulkInsertValidated" : "bulkInsert";
  test(`bulkInsert (${validated ? "validate: true" : "default options"}): ${RUNS[cls]} hostile row sets`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<EntityName>("logs", "fns", "users").chain((e) => fc.tuple(fc.constant(e), rows(e))), fc.constantFrom<unknown>(undefined, "ids", "none", "all", null), fc.constantFrom<unknown>(undefined, "unnest", "copy", "COPY", 1), chunkSize, misspelt, mode, async ([e, specs], returning, strategy, size, extra, how) => {
        const data = buildRows(e, specs);
        const options = withOption({ ...(validated ? { validate: true } : {}), ...(returning === undefined ? {} : { returning }), ...(strategy === undefined ? {} : { strategy }), ...(size === undefined ? {} : { chunkSize: size }) }, extra);
        const before = await rowCount(TABLE[e]);
        const outcome = await write(cls, { e, rows: data.length > 10 ? `${data.length} rows, last ${describeInput(data.slice(-3))}` : data, options, how }, how, () => repo(e).bulkInsert(data as never, options as never), { e, rows: data });
        if (!outcome.answered) return;
        const result = outcome.result as { count: number; ids?: unknown[] };
        expect(result.count).toBe(data.length);
        if (result.ids) expect(result.ids).toHaveLength(data.length);
        expect(await rowCount(TABLE[e])).toBe(before + (how === "rollback" ? 0 : data.length));
        if (how !== "rollback" && result.ids) for (let i = 0; i < Math.min(3, data.length); i++) await storedAsGiven(e, data[i], result.ids[i]);
      }),
      params(RUNS[cls]),
    );
  });
}

test(`bulkUpdate: ${RUNS.bulkUpdate} hostile row sets`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<EntityName>("fns", "logs", "users").chain((e) => fc.tuple(fc.constant(e), fc.array(fc.tuple(id, fc.array(mutation(e), { maxLength: 2 })), { maxLength: 5 }))), chunkSize, misspelt, mode, async ([e, entries], size, extra, how) => {
      const data = entries.map(([target, muts]) => toObject([...(target === undefined ? [] : [["id", target] as const]), ...muts.map(([k, v]) => [k, v] as const)]));
      const options = withOption(size === undefined ? {} : { chunkSize: size }, extra);
      const outcome = await write("bulkUpdate", { e, data, options, how }, how, () => repo(e).bulkUpdate(data as never, options as never), { e, rows: data });
      if (!outcome.answered) return;
      const result = outcome.result as { count: number };
      expect(result.count).toBeLessThanOrEqual(data.length);
      expect(result.count).toBeGreaterThanOrEqual(0);
    }),
    params(RUNS.bulkUpdate),
  );
});

test(`bulkUpsert: ${RUNS.bulkUpsert} hostile row sets and conflict targets`, async () => {
  const conflict = fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>("natural") }, { weight: 2, arbitrary: fc.constantFrom<unknown>(["userId", "name"], ["uuid"], ["email"], ["name"], ["id"], [], ["__proto__"], ["name; drop table canary"], "name", null, undefined, ["userId", "userId"], ["user"]) });
  const update = fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constant<unknown>("natural") }, { weight: 3, arbitrary: fc.constantFrom<unknown>(undefined, [], ["runtime"], ["status", "runtime"], ["version"], ["id"], ["createdAt"], ["nope"], ["__proto__"], "runtime", null) });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<EntityName>("fns", "fns", "users", "logs").chain((e) => fc.tuple(fc.constant(e), fc.array(row(e), { maxLength: 5 }))), conflict, update, misspelt, mode, async ([e, specs], conflictPaths, updateColumns, extra, how) => {
      const data = buildRows(e, specs);
      // some rows hit existing keys, so both the insert and the update path run
      const first = data[0] as Record<string, unknown> | undefined;
      if (first && typeof first === "object" && e === "fns") Object.assign(first, { name: "alpha", userId: 1 });
      if (first && typeof first === "object" && e === "users") Object.assign(first, { email: "ada@acme.co" });
      if (updateColumns === "natural") updateColumns = e === "fns" ? ["runtime"] : e === "users" ? ["isActive"] : ["message"];
      if (conflictPaths === "natural") conflictPaths = e === "fns" ? ["userId", "name"] : e === "users" ? ["email"] : ["uuid"];
      const options = withOption({ conflictPaths, ...(updateColumns === undefined ? {} : { updateColumns }) }, extra);
      const before = await rowCount(TABLE[e]);
      const outcome = await write("bulkUpsert", { e, data, options, how }, how, () => repo(e).bulkUpsert(data as never, options as never), { e, rows: data });
      if (!outcome.answered) return;
      const result = outcome.result as { inserted: number; updated: number };
      expect(result.inserted + result.updated).toBeLessThanOrEqual(data.length);
      expect(await rowCount(TABLE[e])).toBe(before + (how === "rollback" ? 0 : result.inserted));
    }),
    params(RUNS.bulkUpsert),
  );
});

test(`bulkDelete: ${RUNS.bulkDelete} hostile id lists and filters`, async () => {
  const target = fc.oneof(
    { weight: 6, arbitrary: fc.array(id, { maxLength: 5 }) },
    { weight: 6, arbitrary: fc.constantFrom<unknown>({ name: { startsWith: "fz-" } }, { name: "nope" }, { name: { ilike: "%" } }, { id: { gt: 30 } }, {}, { and: [] }, { or: [] }, { not: {} }, { __proto__: { id: 1 } }, JSON.parse('{"__proto__":{"id":1}}'), { "1=1": true }, { name: { like: "%\\" } }, { name: "\ud800" }, { message: { contains: "seed" } }, { email: { endsWith: "@fuzz.example" } }) },
    { weight: 2, arbitrary: hostileJson },
    { weight: 2, arbitrary: hostileScalar },
    { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(Array(100_000).fill(1), Array.from({ length: 70_000 }, (_, i) => i + 1), Array(1_000).fill(Number.NaN)) },
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<EntityName>("fns", "logs", "users"), target, fc.constantFrom("auto", "commit", "rollback", "rollback", "rollback") as fc.Arbitrary<"auto" | "commit" | "rollback">, async (e, idsOrFilter, how) => {
      const before = await rowCount(TABLE[e]);
      const outcome = await write("bulkDelete", { e, idsOrFilter: Array.isArray(idsOrFilter) && idsOrFilter.length > 10 ? `${idsOrFilter.length} ids` : idsOrFilter, how }, how, () => repo(e).bulkDelete(idsOrFilter as never));
      if (!outcome.answered) return;
      const result = outcome.result as { count: number };
      expect(result.count).toBeGreaterThanOrEqual(0);
      if (how !== "rollback") expect(await rowCount(TABLE[e])).toBe(before - result.count);
    }),
    params(RUNS.bulkDelete),
  );
});

test("after the run: the canary is untouched, the prototypes are clean", async () => {
  await afterRun(Object.values(RUNS).reduce((a, b) => a + b, 0));
  void counts;
});

