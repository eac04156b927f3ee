import { spawnSync } from "node:child_process";
import { BENCH_SCHEMA } from "../../benchmarks/bench-schema";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

// Every read of the execution context (the statement gate's `frame`, the analyzer's `analysis`,
// `callSite`, `operation`) goes through V8's inline caches, which stay fast only while the contexts
// of one kind share a hidden class. `{ ...context.current, ...added, frame }` did not: on Node 20 each
// copy got a map of its own, and every read missed (27 inline-cache misses per TPC-B transaction in
// `log` mode, by `node --log-ic`). `%HaveSameMap` is V8's own answer, so TPC-B and plain repository
// and EntityManager calls on plain TypeORM entities run in a child process with
// --allow-natives-syntax, where every context unitwork makes is seen as it enters its AsyncLocalStorage.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("context_shape");
  for (const sql of BENCH_SCHEMA) await db.query(sql);
});

afterAll(() => db.drop());

const child = (url: string) => `
require("reflect-metadata");
const { AsyncLocalStorage } = require("node:async_hooks");
const contexts = [];
const run = AsyncLocalStorage.prototype.run;
AsyncLocalStorage.prototype.run = function (store, ...rest) {
  if (store && typeof store === "object") contexts.push(store);
  return run.call(this, store, ...rest);
};
const { DataSource } = require("typeorm");
const { createUnitwork, dataSourceOptionsFromEnv } = require("./src");
const { registerTpcbRepositories, tpcbPaths } = require("./benchmarks/tpcb");
const { benchEntities, Branch, Teller } = require("./benchmarks/bench-schema");
(async () => {
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: ${JSON.stringify(url)} }), entities: benchEntities };
  const uw = await createUnitwork({ dataSource: new DataSource(options), analyzer: { mode: "log" }, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  try {
    registerTpcbRepositories(uw);
    const tpcb = tpcbPaths(undefined, undefined, uw, uw)[2];
    for (let k = 1; k <= 300; k++) {
      if (k === 101) contexts.length = 0; // the first transactions warm the inline caches up
      await tpcb.transaction({ aid: k, tid: 1 + (k % 10), bid: 1, delta: 1 });
      // the generic repository and a direct EntityManager call, on plain TypeORM entities
      await uw.unitOfWork.run(async (ctx) => {
        await ctx.repository(Branch).getById(1);
        await ctx.manager.findOneBy(Teller, { tid: 1 + (k % 10) });
      });
    }
  } finally {
    await uw.close();
  }
  // contexts with the same keys in the same order, and how many of them have a map of their own
  const kinds = new Map();
  for (const c of contexts) {
    const kind = Object.keys(c).join(",");
    const seen = kinds.get(kind) ?? kinds.set(kind, { first: c, count: 0, ownMap: 0 }).get(kind);
    seen.count++;
    if (!%HaveSameMap(seen.first, c)) seen.ownMap++;
  }
  process.stdout.write(JSON.stringify([...kinds].map(([keys, k]) => ({ keys, count: k.count, ownMap: k.ownMap }))));
})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });
`;

test("the contexts of units of work and of repository and EntityManager calls share hidden classes in log mode, so reading them stays on V8's inline caches", () => {
  const result = spawnSync(process.execPath, ["--allow-natives-syntax", "-r", "@swc/register", "-e", child(db.url)], { cwd: process.cwd(), encoding: "utf8", timeout: 45_000 });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const kinds = JSON.parse(result.stdout) as { keys: string; count: number; ownMap: number }[];
  // 200 TPC-B units and 200 units of plain calls; each repository or EntityManager call's context (with its call site): 5 + 2 per pair
  expect(kinds.find((k) => k.keys.split(",").includes("frame") && !k.keys.includes("callSite"))?.count).toBe(400);
  expect(kinds.find((k) => k.keys.includes("frame") && k.keys.includes("callSite"))?.count).toBe(1400);
  expect(kinds.filter((k) => k.ownMap > 0)).toEqual([]);
}, 60_000);

test("a patch's keys win over the context's, an explicit undefined included", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the internal module under test
  const { createContextStore } = require("../../src/unit-of-work/execution-context") as typeof import("../../src/unit-of-work/execution-context");
  const store = createContextStore();
  const seen = store.run({ primary: true, frame: "outer" as never }, () => store.with({ frame: undefined, session: "s" as never }, () => store.current));
  expect(seen).toEqual({ primary: true, frame: undefined, session: "s" });
  expect(Object.keys(seen)).toEqual(["primary", "frame", "session"]);
});
