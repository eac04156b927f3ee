import fc from "fast-check";
import type { Client } from "pg";
import { FunctionEntity, User } from "../../examples/domain";
import { untrusted, type AsyncBaseRepository } from "../../src";
import { seed } from "../repository/fixtures";
import type { TestUnitwork } from "../support/test-unitwork";
import { openHostileFixture, type HostileFixture } from "./hostile-fixture";
import {
  assertPrototypesClean,
  CANARY_ROWS,
  canaryRows,
  Counts,
  describeInput,
  expectRefusal,
  forbiddenStatements,
  hostileJson,
  hostileNumber,
  hostileScalar,
  hostileString,
  monster,
  params,
  PROTO_KEYS,
  prototypeSnapshot,
  SQL_KEYS,
  tablesDigest,
  toObject,
  WireCapture,
} from "./hostile";

/**
 * Hostile reads: filters (`where`), sort (`orderBy` as string and object), paging (`limit`, `offset`,
 * `page`, `pageSize`, `first`, `count`) and cursors (`after`). Every input is answered correctly or
 * refused with a typed 4xx error; only SELECTs reach the server; the canary survives.
 */
const RUNS = { filter: 1_800, sort: 1_000, paging: 1_000, cursor: 900 };

let t: TestUnitwork;
let oracle: Client;
let capture: WireCapture;
let fns: AsyncBaseRepository<FunctionEntity>;
let users: AsyncBaseRepository<User>;
let digest: string;
const counts = new Counts("hostile reads");
const prototypes = prototypeSnapshot();
const TABLES = ["users", "functions", "function_deployments", "organizations", "canary"];

let fixture: HostileFixture | undefined;

beforeAll(async () => {
  fixture = await openHostileFixture((opened) => seed(opened.uw));
  ({ t, oracle, capture } = fixture);
  fns = t.uw.repositories.create(FunctionEntity);
  users = t.uw.repositories.create(User);
  digest = await tablesDigest(oracle, TABLES);
});

afterAll(async () => {
  counts.print();
  await fixture?.close();
});

// ------------------------------------------------------------------ generators

const FUNCTION_COLUMNS = ["id", "uuid", "userId", "organizationId", "name", "status", "runtime", "analysisResult", "activeDeploymentId", "createdAt", "updatedAt", "deletedAt", "version"];
const FUNCTION_RELATIONS = ["user", "organization", "activeDeployment", "deployments", "logs", "invocations"];
const OPERATORS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn", "like", "ilike", "contains", "startsWith", "endsWith", "between", "isNull"];

const filterKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FUNCTION_COLUMNS) },
  { weight: 3, arbitrary: fc.constantFrom(...FUNCTION_RELATIONS, "and", "or", "not") },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, ...SQL_KEYS, "email", "version.x", "user.email", "deployments.version") },
  { weight: 1, arbitrary: hostileString },
);
const opKey = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...OPERATORS) }, { weight: 1, arbitrary: fc.constantFrom("regex", "raw", "sql", "$where", "EQ", "eq ", ...PROTO_KEYS) });
const opValue = fc.oneof({ weight: 5, arbitrary: hostileScalar }, { weight: 2, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) }, { weight: 1, arbitrary: hostileJson });
const opObject = fc.array(fc.tuple(opKey, opValue), { maxLength: 3 }).map(toObject);

const { filter } = fc.letrec((tie) => ({
  filter: fc.array(fc.tuple(filterKey, tie("value")), { maxLength: 4 }).map((e) => toObject(e as [string, unknown][])),
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: "filter" },
    { weight: 5, arbitrary: hostileScalar },
    { weight: 4, arbitrary: opObject },
    { weight: 2, arbitrary: tie("filter") },
    { weight: 1, arbitrary: fc.array(tie("filter"), { maxLength: 3 }) },
    { weight: 1, arbitrary: hostileJson },
  ),
}));

/** Filters a client could plausibly send (columns, operators, values of roughly the right type). */
const plausible = fc.record(
  {
    name: fc.oneof(fc.constantFrom("alpha", "beta", "%", "_", "a\\"), fc.record({ like: hostileString }), fc.record({ contains: hostileString }), fc.record({ ilike: fc.constantFrom("%a%", "A%", "%\\%", "\\") })),
    status: fc.oneof(fc.constantFrom("active", "failed", "nope"), fc.record({ in: fc.array(fc.constantFrom("active", "inactive", "zzz"), { maxLength: 3 }) })),
    userId: fc.oneof(hostileNumber, fc.record({ between: fc.tuple(hostileNumber, hostileNumber) }), fc.record({ gte: fc.oneof(hostileNumber, hostileString) })),
    createdAt: fc.oneof(fc.record({ gte: fc.oneof(fc.date({ noInvalidDate: false }), hostileString) }), fc.record({ lt: fc.constantFrom("2025-01-01", "9999-12-31", "10000-01-01", "yesterday") })),
    analysisResult: fc.oneof(fc.record({ eq: hostileJson }), fc.constant(null)),
    user: fc.oneof(fc.record({ email: fc.oneof(hostileString, fc.record({ ilike: hostileString })) }), fc.constant(null)),
    deployments: fc.record({ version: fc.oneof(hostileNumber, fc.record({ gte: hostileNumber })), imageTag: fc.record({ startsWith: hostileString }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const where = fc.oneof(
  { weight: 4, arbitrary: filter },
  { weight: 3, arbitrary: plausible as fc.Arbitrary<Record<string, unknown>> },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"polluted":1},"name":"alpha"}'), JSON.parse('{"name":{"__proto__":{"ne":""}}}'), JSON.parse('{"constructor":{"prototype":{"polluted":1}}}'), { and: Array(3000).fill({}) }, { or: [{ name: "alpha" }, "x"] }, { not: [] }, [], "name = 'x'", 42, null, undefined) },
  { weight: 1, arbitrary: monster.map((m) => ({ and: [m] })) },
  { weight: 1, arbitrary: monster.map((m) => ({ name: m })) },
);

const sortKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("id", "name", "status", "runtime", "createdAt", "updatedAt", "organizationId", "version", "user.email", "organization.name", "activeDeployment.version") },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, ...SQL_KEYS, "analysisResult", "deployments.version", "user", "user.functions.name", "user.email.x", "name.", ".name", "..") },
  { weight: 1, arbitrary: hostileString },
);
const direction = fc.constantFrom<unknown>("ASC", "DESC", "asc", "desc", "sideways", "", " ASC", "ASC; drop table canary", 1, -1, null, true, { direction: "DESC", nulls: "first" }, { direction: "ASC", nulls: "last" }, { nulls: "middle" }, { direction: "UP" }, { direction: "ASC", nulls: "first", extra: 1 }, {});
const { sortObject } = fc.letrec((tie) => ({
  sortObject: fc.array(fc.tuple(sortKey, fc.oneof({ depthSize: "small", maxDepth: 3, depthIdentifier: "sort" }, { weight: 4, arbitrary: direction }, { weight: 1, arbitrary: tie("sortObject") }, { weight: 1, arbitrary: hostileScalar })), { maxLength: 3 }).map((e) => toObject(e as [string, unknown][])),
}));
const sortString = fc.array(fc.tuple(fc.constantFrom("", "-", "+", "--", " ", "-+"), sortKey, fc.constantFrom("", " ", " desc", "\u0000")), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([p, k, s]) => p + k + s).join(fc.sample(fc.constantFrom(",", ", ", ",,", ";"), 1)[0]));
const orderBy = fc.oneof(
  { weight: 4, arbitrary: sortString },
  { weight: 4, arbitrary: sortObject },
  { weight: 1, arbitrary: fc.oneof(hostileScalar, fc.array(sortKey, { maxLength: 3 }), monster, fc.constantFrom<unknown>("x".repeat(100_000), Array(10_000).fill("name").join(","), JSON.parse('{"__proto__":{"name":"ASC"}}'))) },
);

const size = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -2, max: 12 }) }, { weight: 3, arbitrary: hostileNumber }, { weight: 2, arbitrary: hostileScalar }, fc.constantFrom<unknown>(1000, 1001, 100_000, 100_001, "5", "0x5", [5], { valueOf: () => 5 }));

// ------------------------------------------------------------------ runner

type Answer = unknown;

/** Runs one read; checks its statements; returns the answer, or undefined when it was refused. */
async function read(cls: string, input: unknown, call: () => Promise<Answer>): Promise<{ answered: boolean; result?: Answer }> {
  counts.tried(cls);
  const { result, error, failed, statements } = await capture.during(call);
  const bad = forbiddenStatements(statements);
  if (bad.length) throw new Error(`${cls}: a read sent ${bad.join(" | ").slice(0, 500)} for input ${describeInput(input)}`);
  for (const sql of statements) expect(sql).not.toMatch(/canary|drop table|1=1/i);
  if (failed) {
    expectRefusal(error, input);
    counts.refused(cls);
    return { answered: false };
  }
  counts.answered(cls);
  return { answered: true, result };
}

const OPS = ["findMany", "findFirst", "count", "exists", "paginate", "paginateByCursor", "usersFindMany"] as const;
type Op = (typeof OPS)[number];

function listing(op: Op, options: Record<string, unknown>): () => Promise<Answer> {
  switch (op) {
    case "findMany": return () => fns.findMany(options as never);
    case "findFirst": return () => fns.findFirst(options as never);
    case "count": return () => fns.count(options.where as never);
    case "exists": return () => fns.exists(options.where as never);
    case "paginate": return () => fns.paginate({ page: 1, pageSize: 10, ...options } as never);
    case "paginateByCursor": return () => fns.paginateByCursor({ first: 10, ...options } as never);
    default: return () => users.findMany(options as never);
  }
}

/** Answers agree with a COUNT of the same filter. */
async function consistent(op: Op, options: Record<string, unknown>, result: Answer): Promise<void> {
  if (op === "usersFindMany") return;
  const total = await fns.count(options.where as never);
  switch (op) {
    case "count": expect(result).toBe(total); break;
    case "exists": expect(result).toBe(total > 0); break;
    case "findFirst": expect(result === null).toBe(total === 0); break;
    case "findMany": {
      const items = result as FunctionEntity[];
      const offset = (options.offset as number | undefined) ?? 0;
      const limit = (options.limit as number | undefined) ?? Infinity;
      expect(items.length).toBe(Math.max(0, Math.min(limit, total - offset)));
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      break;
    }
    case "paginate": {
      const page = result as { items: FunctionEntity[]; total: number | null; page: number; pageSize: number; hasNext: boolean };
      if (page.total !== null) expect(page.total).toBe(total);
      expect(page.items.length).toBe(Math.max(0, Math.min(page.pageSize, total - (page.page - 1) * page.pageSize)));
      break;
    }
    case "paginateByCursor": {
      const page = result as { items: FunctionEntity[]; pageInfo: { hasNextPage: boolean } };
      if (options.after == null) {
        const first = (options.first as number | undefined) ?? 10;
        expect(page.items.length).toBe(Math.min(first, total));
        expect(page.pageInfo.hasNextPage).toBe(total > first);
      }
      break;
    }
  }
}

const maybeUntrusted = <V>(marked: boolean, value: V): V => {
  if (!marked) return value;
  try {
    return untrusted(value);
  } catch {
    return value; // untrusted() itself refused it (too large): pass it unmarked
  }
};

// ------------------------------------------------------------------ properties

test(`filters: ${RUNS.filter} hostile where clauses on every read method`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...OPS), where, fc.boolean(), fc.boolean(), async (op, w, marked, withDeleted) => {
      const options = { where: maybeUntrusted(marked, w), ...(withDeleted ? { withDeleted } : {}) };
      const outcome = await read("filter", { op, ...options }, listing(op, options));
      if (outcome.answered) await consistent(op, options, outcome.result);
    }),
    params(RUNS.filter),
  );
});

test(`sort: ${RUNS.sort} hostile orderBy strings and objects`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<Op>("findMany", "findFirst", "paginate", "paginateByCursor", "usersFindMany"), orderBy, fc.constantFrom<unknown>(undefined, { status: "active" }, { user: { email: { ilike: "%acme%" } } }), async (op, o, w) => {
      const options = { orderBy: o, ...(w ? { where: w } : {}) };
      const outcome = await read("sort", { op, orderBy: o, where: w }, listing(op, options));
      if (outcome.answered) {
        await consistent(op, options, outcome.result);
        // a sorted listing is really sorted by its primary tie-breaker at least: ids are distinct
        if (op === "findMany") {
          const items = outcome.result as FunctionEntity[];
          expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
        }
      }
    }),
    params(RUNS.sort),
  );
});

const pagingOptions = fc.oneof(
  fc.record({ op: fc.constant<Op>("findMany"), limit: size, offset: size }, { requiredKeys: ["op"] }),
  fc.record({ op: fc.constant<Op>("paginate"), page: size, pageSize: size, count: fc.constantFrom<unknown>(undefined, "exact", "none", "estimated", "", null, 1) }, { requiredKeys: ["op", "page", "pageSize"] }),
  fc.record({ op: fc.constant<Op>("paginateByCursor"), first: size }, { requiredKeys: ["op", "first"] }),
  fc.record({ op: fc.constantFrom<Op>("findMany", "paginate", "paginateByCursor"), misspelt: fc.constantFrom("limt", "ofset", "pagesize", "frist", "__proto__", "constructor", "where ", "relationStrategy"), value: hostileScalar }),
  fc.record({ op: fc.constantFrom<Op>("findMany", "paginate"), relations: fc.oneof(fc.constantFrom<unknown>(["user"], ["deployments"], { user: true, deployments: true }, ["user.functions.deployments"], ["nope"], { __proto__: true }, ["__proto__"], "user", true, { user: "yes" }, { user: { information: true } }), fc.array(hostileString, { maxLength: 2 })), relationStrategy: fc.constantFrom<unknown>(undefined, "join", "query", "lateral", 1), page: fc.constant(1), pageSize: size, limit: size }, { requiredKeys: ["op", "relations"] }),
);

test(`paging: ${RUNS.paging} hostile limit, offset, page, pageSize, first, count, relations and misspelt options`, async () => {
  await fc.assert(
    fc.asyncProperty(pagingOptions, async (raw) => {
      const { op, misspelt, value, ...rest } = raw as Record<string, unknown> & { op: Op; misspelt?: string; value?: unknown };
      const options: Record<string, unknown> = { ...rest };
      if (op !== "findMany") delete options.limit;
      if (op === "findMany") {
        delete options.page;
        delete options.pageSize;
      }
      if (misspelt !== undefined) Object.defineProperty(options, misspelt, { value, enumerable: true, configurable: true, writable: true });
      const base: Record<string, unknown> = op === "paginate" && !("page" in options) ? { page: 1, pageSize: 5 } : op === "paginateByCursor" && !("first" in options) ? { first: 5 } : {};
      const merged = { ...base };
      for (const k of Object.keys(options)) Object.defineProperty(merged, k, { value: options[k], enumerable: true, configurable: true, writable: true });
      const outcome = await read("paging", { op, ...merged }, op === "paginate" ? () => fns.paginate(merged as never) : op === "paginateByCursor" ? () => fns.paginateByCursor(merged as never) : () => fns.findMany(merged as never));
      if (outcome.answered && misspelt === undefined) await consistent(op, merged, outcome.result);
    }),
    params(RUNS.paging),
  );
});

// A few listings and their real cursors: a cursor must work under its own listing only.
interface Listing { repo: "fns" | "users"; options: Record<string, unknown>; cursors: string[] }
const LISTINGS: Listing[] = [
  { repo: "fns", options: { orderBy: "name" }, cursors: [] },
  { repo: "fns", options: { orderBy: "-createdAt,name", where: { status: "active" } }, cursors: [] },
  { repo: "fns", options: { orderBy: { organizationId: { direction: "ASC", nulls: "first" } } }, cursors: [] },
  { repo: "fns", options: { orderBy: "name", withDeleted: true }, cursors: [] },
  { repo: "fns", options: { orderBy: "user.email,-id" }, cursors: [] },
  { repo: "users", options: { orderBy: "email" }, cursors: [] },
];
const page = (l: Listing, first: number, after?: string | null) =>
  (l.repo === "fns" ? fns : (users as unknown as AsyncBaseRepository<FunctionEntity>)).paginateByCursor({ ...l.options, first, after } as never);

const flip = (cursor: string, at: number, to: string) => cursor.slice(0, at % Math.max(1, cursor.length)) + to + cursor.slice((at % Math.max(1, cursor.length)) + 1);
const cursorInput = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("own"), listing: fc.nat(LISTINGS.length - 1), index: fc.nat(3), first: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("other"), listing: fc.nat(LISTINGS.length - 1), from: fc.nat(LISTINGS.length - 1), index: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("flipped"), listing: fc.nat(LISTINGS.length - 1), index: fc.nat(3), at: fc.nat(200), to: fc.oneof(fc.constantFrom("A", "_", "-", "=", ".", "\u0000", "\ud800", ""), fc.string({ minLength: 1, maxLength: 1 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncated"), listing: fc.nat(LISTINGS.length - 1), index: fc.nat(3), keep: fc.nat(200), append: fc.constantFrom("", "=", "==", "A", "x".repeat(10_000)) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("random"), listing: fc.nat(LISTINGS.length - 1), after: fc.oneof(hostileString, fc.base64String({ maxLength: 200 }), fc.constantFrom<unknown>("eyJ2IjpbImEiXX0", Buffer.from(JSON.stringify({ v: ["alpha"], id: 1 })).toString("base64url"), Buffer.from('{"__proto__":{"polluted":1}}').toString("base64"), "v1.", "v1..", "x".repeat(1_000_000)), hostileScalar) }) },
);

test(`cursors: ${RUNS.cursor} random, truncated, flipped and foreign cursors`, async () => {
  for (const l of LISTINGS) {
    let after: string | null = null;
    for (let i = 0; i < 4; i++) {
      const p: { pageInfo: { endCursor: string | null; hasNextPage: boolean } } = await page(l, 1, after);
      if (!p.pageInfo.endCursor) break;
      l.cursors.push((after = p.pageInfo.endCursor));
    }
    expect(l.cursors.length).toBeGreaterThan(1);
  }
  await fc.assert(
    fc.asyncProperty(cursorInput, async (input) => {
      const l = LISTINGS[input.listing]!;
      const real = (from: Listing, index: number) => from.cursors[index % from.cursors.length]!;
      let after: unknown;
      switch (input.kind) {
        case "own": after = real(l, input.index); break;
        case "other": after = real(LISTINGS[input.from]!, input.index); break;
        case "flipped": after = flip(real(l, input.index), input.at, input.to); break;
        case "truncated": after = real(l, input.index).slice(0, input.keep) + input.append; break;
        default: after = input.after;
      }
      const first = "first" in input ? input.first : 2;
      const outcome = await read("cursor", { ...input, after }, () => page(l, first, after as string));
      const same = input.kind === "own" || (input.kind === "other" && input.from === input.listing) || (input.kind === "flipped" && after === real(l, input.index)) || (input.kind === "truncated" && after === real(l, input.index));
      const foreign = input.kind === "other" && LISTINGS[input.from] !== l;
      if (same) {
        // its own listing's cursor continues exactly where that page ended
        expect(outcome.answered).toBe(true);
        const index = input.kind === "own" || input.kind === "other" ? input.index % l.cursors.length : l.cursors.indexOf(after as string);
        const expected = (await (l.repo === "fns" ? fns : (users as unknown as AsyncBaseRepository<FunctionEntity>)).findMany({ ...l.options, limit: first, offset: index + 1 } as never)).map((r) => r.id);
        expect((outcome.result as { items: { id: number }[] }).items.map((r) => r.id)).toEqual(expected);
      } else if (foreign || input.kind === "flipped" || input.kind === "truncated") {
        // an edited cursor, or one of another listing, is refused
        // (base64url ignores the unused low bits of the last character: the same bytes are the same cursor)
        const bytes = (c: unknown) => (typeof c === "string" && /^[A-Za-z0-9_-]+$/.test(c) ? Buffer.from(c, "base64url").toString("hex") : String(c));
        if (foreign || bytes(after) !== bytes(real(l, input.index))) expect(outcome.answered).toBe(false);
      }
    }),
    params(RUNS.cursor),
  );
});

test("after the run: the canary and the data are untouched, the prototypes are clean", async () => {
  expect(await canaryRows(oracle)).toEqual(CANARY_ROWS.map((r) => [...r]));
  expect(await tablesDigest(oracle, TABLES)).toBe(digest);
  assertPrototypesClean(prototypes);
  expect(counts.total()).toBeGreaterThanOrEqual(RUNS.filter + RUNS.sort + RUNS.paging + RUNS.cursor);
});
