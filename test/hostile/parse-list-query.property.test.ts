import fc from "fast-check";
import type { Client } from "pg";
import { FunctionEntity } from "../../examples/domain";
import { parseListQuery, type AsyncBaseRepository, type ParseListQueryOptions } from "../../src";
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
  hostileScalar,
  hostileString,
  params,
  PROTO_KEYS,
  prototypeSnapshot,
  SQL_KEYS,
  tablesDigest,
  toObject,
  WireCapture,
} from "./hostile";

/**
 * Hostile query strings through `parseListQuery`: flat bracket keys (`filter[name][like]`, as
 * `URLSearchParams` gives them) and qs-style nested objects, with hostile keys and values and
 * misspelt or malformed options. Each is parsed, then listed with `paginate` like the example
 * service does: a typed 4xx or a correct answer, only SELECTs, the canary untouched.
 */
const RUNS = { flat: 1_300, nested: 1_200, rawQueryString: 700, options: 400 };

let t: TestUnitwork;
let oracle: Client;
let capture: WireCapture;
let fns: AsyncBaseRepository<FunctionEntity>;
let digest: string;
const counts = new Counts("hostile parseListQuery");
const prototypes = prototypeSnapshot();
const TABLES = ["users", "functions", "function_deployments", "canary"];

let fixture: HostileFixture | undefined;

beforeAll(async () => {
  fixture = await openHostileFixture((opened) => seed(opened.uw));
  ({ t, oracle, capture } = fixture);
  fns = t.uw.repositories.create(FunctionEntity);
  digest = await tablesDigest(oracle, TABLES);
});

afterAll(async () => {
  counts.print();
  await fixture?.close();
});

const OPTION_SETS: ParseListQueryOptions[] = [
  { filterable: { status: "string", runtime: "string", name: "string", createdAt: "date" }, sortable: ["createdAt", "updatedAt", "name", "status"], maxPageSize: 100 },
  { filterable: ["name", "status", "userId", "organizationId", "createdAt", "user.email", "deployments.version"], sortable: ["name", "user.email", "id"] },
  { filterable: { userId: { type: "integer", operators: ["gte", "lte", "in"] }, "user.email": "string", uuid: "uuid", version: "number", organizationId: "integer" }, sortable: ["id"], maxPageSize: 5, defaultPageSize: 2, defaultSort: "-id" },
  {},
];
const FIELDS = ["status", "runtime", "name", "createdAt", "userId", "organizationId", "uuid", "version", "user.email", "deployments.version", "user", "email", "id"];
const OPERATORS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn", "like", "ilike", "contains", "startsWith", "endsWith", "between", "isNull"];

const field = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, ...SQL_KEYS) }, { weight: 1, arbitrary: hostileString });
const op = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...OPERATORS) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, "regex", "raw", "", "EQ") }, { weight: 1, arbitrary: hostileString });
const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("active", "inactive", "alpha", "node", "dart", "1", "2", "0", "-1", "2025-01-01", "2025-01-01T00:00:00Z", "true", "false", "a,b", "1,3", "1,2,3", ",", "", "%", "\\", "%\\", "ada@acme.co", "00000000-0000-4000-8000-000000000000", "9".repeat(30), "1e3", "0x1", " 1", "NaN") },
  { weight: 3, arbitrary: hostileString },
);
/** What a query parser yields for one parameter: a string, or repeated keys as an array. */
const paramValue = fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: fc.array(text, { maxLength: 4 }) }, { weight: 1, arbitrary: hostileScalar });

// flat keys: filter[name][like]=x, plus malformed brackets
const flatKey = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(field, fc.option(op, { nil: undefined })).map(([f, o]) => `filter[${f.split(".").join("][")}]${o === undefined ? "" : `[${o}]`}`) },
  { weight: 2, arbitrary: fc.constantFrom("page", "pageSize", "sort") },
  { weight: 2, arbitrary: fc.constantFrom("filter", "filter[]", "filter[name]]", "filter[[name]", "filter.name", "filter[name][like][x]", "filter[__proto__][polluted]", "filter[constructor][prototype][polluted]", "__proto__[polluted]", "__proto__", "filter[name", "filter]name[", "filter[name][]", "filter[][like]", "Filter[name]", "filter[ name]", "page[]", "sort[]", "pageSize[x]", "limit", "offset", "first", "after", "filter[user][email][ilike]", "filter[user.email]") },
  { weight: 1, arbitrary: hostileString },
);
const flatQuery = fc.array(fc.tuple(flatKey, paramValue), { maxLength: 6 }).map(toObject);

// qs-style nested: { filter: { name: { like: "x" } }, page: "2" }
const { nestedNode } = fc.letrec((tie) => ({
  nestedNode: fc.oneof(
    { maxDepth: 3, depthIdentifier: "qs" },
    { weight: 5, arbitrary: paramValue },
    { weight: 3, arbitrary: fc.array(fc.tuple(fc.oneof(op, fc.constantFrom("email", "version"), field), tie("nestedNode")), { maxLength: 3 }).map((e) => toObject(e as [string, unknown][])) },
  ),
}));
const nestedField = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("status", "name", "runtime", "user", "deployments", "userId", "createdAt") }, { weight: 1, arbitrary: field });
const nestedQuery = fc.record(
  {
    filter: fc.oneof({ weight: 5, arbitrary: fc.array(fc.tuple(nestedField, nestedNode), { maxLength: 4 }).map((e) => toObject(e as [string, unknown][])) }, { weight: 1, arbitrary: hostileScalar }, { weight: 1, arbitrary: fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"polluted":1}}'), JSON.parse('{"name":{"__proto__":{"ne":""}}}'), Object.create(null), [], ["a"]) }),
    page: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("1", "2", "3") }, { weight: 1, arbitrary: paramValue }),
    pageSize: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("1", "2", "5", "100") }, { weight: 1, arbitrary: paramValue }),
    sort: fc.oneof(paramValue, fc.array(fc.tuple(fc.constantFrom("", "-", "+", "--"), fc.oneof(field, fc.constantFrom("createdAt", "name", "id"))), { minLength: 1, maxLength: 3 }).map((p) => p.map(([a, b]) => a + b).join(","))),
    extra: fc.option(fc.tuple(fc.constantFrom(...PROTO_KEYS, "limit", "after", "q"), paramValue), { freq: 4, nil: undefined }),
  },
  { requiredKeys: [] },
).map(({ extra, ...rest }) => {
  const q = toObject(Object.entries(rest));
  if (extra) Object.defineProperty(q, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true });
  return q;
});

// a raw query string, parsed the flat way (URLSearchParams), as a Koa or fetch-based server would
const rawQueryString = fc.array(fc.tuple(fc.oneof(flatKey, fc.constantFrom("filter%5Bname%5D", "filter[name]%00", "%E0%A4%A", "%")), fc.oneof(text, fc.constantFrom("%", "%00", "%ZZ", "%E0%A4%A", "%F0%9F%98", "a&b=c", "==", "+", "%2B"))), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"))
  .map((search) => ({ search, query: Object.fromEntries(new URLSearchParams(search)) }));

const hostileOptions = fc.oneof(
  fc.record({ filterable: fc.oneof(fc.array(field, { maxLength: 4 }), fc.array(fc.tuple(field, fc.oneof(fc.constantFrom<unknown>("string", "integer", "number", "boolean", "date", "uuid", "auto", "json", "", "__proto__", { type: "integer", operators: ["gte", "regex"] }, { type: "nope" }, { operators: ["eq"] }, null, 1)), fc.constant("string")), { maxLength: 3 }).map((e) => toObject(e.map(([k, v]) => [k, v] as const))), hostileScalar), sortable: fc.oneof(fc.array(field, { maxLength: 3 }), hostileScalar), maxPageSize: fc.oneof(fc.integer({ min: -1, max: 200 }), hostileScalar), defaultPageSize: fc.oneof(fc.integer({ min: -1, max: 200 }), hostileScalar), defaultSort: fc.oneof(fc.constantFrom("-createdAt", "name", "nope", "a;b"), hostileScalar) }, { requiredKeys: [] }),
  fc.record({ misspelt: fc.constantFrom("filtrable", "sortabel", "maxPagesize", "__proto__", "constructor", "defaultsort"), value: hostileScalar }).map(({ misspelt, value }) => toObject([["filterable", ["name"]], [misspelt, value]])),
  fc.constantFrom<unknown>(null, "filterable", [], 1),
);

/** Parses, checks the parse against the options, then lists like the example service. */
async function parseAndList(cls: string, query: unknown, options: unknown): Promise<void> {
  counts.tried(cls);
  const input = { query, options };
  let parsed: ReturnType<typeof parseListQuery>;
  try {
    parsed = parseListQuery(query, options as ParseListQueryOptions);
  } catch (error) {
    expectRefusal(error, input);
    counts.refused(cls);
    return;
  }
  // a parse only ever holds what the options allow
  const o = (options ?? {}) as ParseListQueryOptions;
  const max = typeof o.maxPageSize === "number" ? o.maxPageSize : 100;
  expect(Number.isInteger(parsed.page) && parsed.page >= 1).toBe(true);
  expect(Number.isInteger(parsed.pageSize) && parsed.pageSize >= 1 && parsed.pageSize <= max).toBe(true);
  const allowedFields = Array.isArray(o.filterable) ? o.filterable : Object.keys(o.filterable ?? {});
  const paths = (node: Record<string, unknown>, prefix: string): string[] =>
    Object.keys(node).flatMap((k) => (allowedFields.includes(prefix + k) ? [prefix + k] : typeof node[k] === "object" && node[k] !== null && !Array.isArray(node[k]) && !(node[k] instanceof Date) ? paths(node[k] as Record<string, unknown>, `${prefix}${k}.`) : [prefix + k]));
  for (const path of paths(parsed.where, "")) expect(allowedFields).toContain(path);
  if (parsed.orderBy !== undefined && parsed.orderBy !== o.defaultSort) {
    expect(typeof parsed.orderBy).toBe("string");
    for (const token of parsed.orderBy.split(",")) expect(Array.isArray(o.sortable) ? o.sortable : []).toContain(token.trim().replace(/^[-+]/, ""));
  }
  const { result, error, failed, statements } = await capture.during(() => fns.paginate({ where: parsed.where as never, orderBy: parsed.orderBy as never, page: parsed.page, pageSize: parsed.pageSize }));
  const bad = forbiddenStatements(statements);
  if (bad.length) throw new Error(`${cls}: listing sent ${bad.join(" | ").slice(0, 500)} for ${describeInput(input)}`);
  if (failed) {
    expectRefusal(error, { ...input, parsed });
    counts.refused(cls);
    return;
  }
  const total = await fns.count(parsed.where as never);
  expect(result!.total).toBe(total);
  expect(result!.items.length).toBe(Math.max(0, Math.min(parsed.pageSize, total - (parsed.page - 1) * parsed.pageSize)));
  counts.answered(cls);
}

test(`flat bracket keys: ${RUNS.flat} hostile query objects`, async () => {
  await fc.assert(fc.asyncProperty(flatQuery, fc.nat(OPTION_SETS.length - 1), (q, i) => parseAndList("flat", q, OPTION_SETS[i])), params(RUNS.flat));
});

test(`qs-style nested objects: ${RUNS.nested} hostile query objects`, async () => {
  await fc.assert(fc.asyncProperty(nestedQuery, fc.nat(OPTION_SETS.length - 1), (q, i) => parseAndList("nested", q, OPTION_SETS[i])), params(RUNS.nested));
});

test(`raw query strings: ${RUNS.rawQueryString} parsed with URLSearchParams`, async () => {
  await fc.assert(fc.asyncProperty(rawQueryString, fc.nat(OPTION_SETS.length - 1), ({ query }, i) => parseAndList("rawQueryString", query, OPTION_SETS[i])), params(RUNS.rawQueryString));
});

test(`options: ${RUNS.options} hostile and misspelt parseListQuery options`, async () => {
  await fc.assert(fc.asyncProperty(fc.oneof(flatQuery, nestedQuery), hostileOptions, (q, o) => parseAndList("options", q, o)), params(RUNS.options));
});

test("after the run: the canary and the data are untouched, the prototypes are clean", async () => {
  expect(await canaryRows(oracle)).toEqual(CANARY_ROWS.map((r) => [...r]));
  expect(await tablesDigest(oracle, TABLES)).toBe(digest);
  assertPrototypesClean(prototypes);
  expect(counts.total()).toBeGreaterThanOrEqual(RUNS.flat + RUNS.nested + RUNS.rawQueryString + RUNS.options);
});
