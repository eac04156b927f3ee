import fc from "fast-check";
import { FunctionEntity } from "../../examples/domain";
import { InvalidQueryError, type AsyncBaseRepository } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed } from "./fixtures";
import { captureStatements } from "./statements";

/**
 * Property: any filter, sort and pagination input, however hostile, either throws InvalidQueryError
 * before any SQL is built or gives a correct result; only SELECTs reach the server, and a canary
 * table is untouched afterwards.
 */
const NUM_RUNS = 2_000;

let t: TestUnitwork;
let fns: AsyncBaseRepository<FunctionEntity>;
type Row = { id: number; name: string; status: string; runtime: string; organizationId: number | null; userId: number; version: number };
let rows: Row[];

beforeAll(async () => {
  t = await openTestUnitwork();
  await seed(t.uw);
  await t.uw.dataSource.query(`CREATE TABLE canary (id integer PRIMARY KEY, note text NOT NULL)`);
  await t.uw.dataSource.query(`INSERT INTO canary VALUES (1, 'tweet'), (2, 'tweet'), (3, 'tweet')`);
  fns = t.uw.repositories.create(FunctionEntity);
  rows = await t.uw.dataSource.query(
    `SELECT id, name, status::text AS status, runtime, organization_id AS "organizationId", user_id AS "userId", version FROM functions WHERE deleted_at IS NULL`,
  );
});
afterAll(() => t.close());

// ------------------------------------------------------------------ generators

const hostileKeys = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "a;drop table canary", "name::text", 'name"', "name --", " name", "NAME", "e.name", "id)", "1=1", "user.email", "deployments.version", "", "ñame", "名前", "🙂"];
const columnKeys = ["id", "name", "status", "runtime", "organizationId", "userId", "version", "uuid", "createdAt", "analysisResult"];
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...columnKeys) },
  { weight: 2, arbitrary: fc.constantFrom("user", "deployments", "organization", "and", "or", "not") },
  { weight: 2, arbitrary: fc.constantFrom(...hostileKeys) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
);
const operators = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn", "like", "ilike", "contains", "startsWith", "endsWith", "between", "isNull"];
const opKey = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...operators) }, { weight: 1, arbitrary: fc.constantFrom("regex", "__proto__", "raw", "eq;", "sql") });
const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -2, max: 8 }) },
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 2 ** 31, 2 ** 53 + 2, 1e308, Number.MAX_SAFE_INTEGER),
  fc.bigInt(),
  { weight: 3, arbitrary: fc.constantFrom("active", "inactive", "failed", "node", "dart", "alpha", "beta", "a", "ta", "_", "%", "\\", "'; drop table canary; --", "a\u0000b", "1 OR 1=1", "2025-01-01", "-1") },
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: false }),
  fc.uuid(),
);
const toObject = (entries: [string, unknown][]) => {
  const object: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
  return object;
};
const opValue = fc.oneof({ weight: 4, arbitrary: scalar }, fc.array(scalar, { maxLength: 4 }));
const opObject = fc.array(fc.tuple(opKey, opValue), { minLength: 0, maxLength: 3 }).map(toObject);
const { filter } = fc.letrec((tie) => ({
  filter: fc.array(fc.tuple(key, tie("value")), { maxLength: 3 }).map((e) => toObject(e as [string, unknown][])),
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: "filter" },
    { weight: 5, arbitrary: scalar },
    { weight: 4, arbitrary: opObject },
    { weight: 2, arbitrary: tie("filter") },
    { weight: 1, arbitrary: fc.array(tie("filter"), { maxLength: 3 }) },
  ),
}));
// well-formed filters on the columns the oracle can judge, so that many answers are checked for correctness
const intValue = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constant(null));
const textValue = fc.constantFrom("active", "inactive", "failed", "building", "node", "dart", "python", "alpha", "beta", "delta_1", "a", "ta", "_", "%", "'; drop table canary; --");
const intCondition = fc.oneof(
  intValue,
  fc.record({ eq: intValue }, { requiredKeys: [] }),
  fc.record({ ne: intValue, gt: fc.integer({ min: 0, max: 7 }), lte: fc.integer({ min: 0, max: 7 }) }, { requiredKeys: [] }),
  fc.record({ in: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }) }),
  fc.record({ notIn: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }) }),
  fc.record({ between: fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })) }),
  fc.record({ isNull: fc.boolean() }),
);
const textCondition = fc.oneof(
  textValue,
  fc.record({ ne: textValue }),
  fc.record({ in: fc.array(textValue, { maxLength: 3 }) }),
  fc.record({ notIn: fc.array(textValue, { maxLength: 3 }) }),
  fc.record({ contains: textValue, startsWith: fc.constantFrom("a", "b", "d", "x") }, { requiredKeys: [] }),
  fc.record({ endsWith: textValue }),
);
const { valid } = fc.letrec((tie) => ({
  valid: fc.oneof(
    { maxDepth: 3, depthIdentifier: "valid" },
    { weight: 4, arbitrary: fc.record({ id: intCondition, organizationId: intCondition, version: intCondition, name: textCondition, runtime: textCondition }, { requiredKeys: [] }) },
    fc.record({ or: fc.array(tie("valid"), { maxLength: 3 }) }),
    fc.record({ and: fc.array(tie("valid"), { maxLength: 3 }), userId: intCondition }, { requiredKeys: ["and"] }),
    fc.record({ not: tie("valid"), status: fc.constantFrom("active", "failed") }, { requiredKeys: ["not"] }),
  ),
}));

const sortKey = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...columnKeys, "user.email", "organization.name") }, fc.constantFrom(...hostileKeys));
const sort = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.tuple(fc.constantFrom("", "-", "+", "--"), sortKey), { minLength: 1, maxLength: 3 }).map((parts) => parts.map(([p, k]) => p + k).join(",")),
  fc.array(fc.tuple(sortKey, fc.constantFrom<unknown>("ASC", "DESC", "desc", "sideways", { direction: "DESC", nulls: "first" }, { nulls: "middle" }, 1, null)), { maxLength: 3 }).map(toObject),
  fc.constantFrom<unknown>(42, ["name"], "name desc", "name; drop table canary"),
);
const count = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -2, max: 8 }) }, fc.constantFrom<unknown>(0, Number.NaN, Infinity, 1e9, 1001, 100_001, 0.5, "2", [1], null, -1));
const operation = fc.constantFrom("findMany", "findFirst", "count", "exists", "paginate", "paginateByCursor");

// ------------------------------------------------------------------ oracle for root-column filters

type Tri = boolean | null;
const ORACLE_COLUMNS: Record<string, "int" | "text"> = { id: "int", name: "text", status: "text", runtime: "text", organizationId: "int", userId: "int", version: "int" };

/** Evaluates a filter on a row with SQL's three-valued logic; `undefined` when the oracle cannot judge it. */
function evaluate(where: Record<string, unknown>, row: Row): Tri | undefined {
  let result: Tri = true;
  for (const k of Object.keys(where)) {
    const value = where[k];
    if (value === undefined) continue;
    let part: Tri | undefined;
    if (k === "and" || k === "or") {
      const parts = (value as Record<string, unknown>[]).map((f) => evaluate(f, row));
      if (parts.includes(undefined)) return undefined;
      part = k === "and" ? and(parts as Tri[]) : or(parts as Tri[]);
    } else if (k === "not") {
      const inner = evaluate(value as Record<string, unknown>, row);
      if (inner === undefined) return undefined;
      part = inner === null ? null : !inner;
    } else {
      const type = ORACLE_COLUMNS[k];
      if (!type) return undefined;
      part = field(row[k as keyof Row] as string | number | null, value, type);
      if (part === undefined) return undefined;
    }
    result = and([result, part]);
  }
  return result;
}

function field(cell: string | number | null, value: unknown, type: "int" | "text"): Tri | undefined {
  if (value === null) return cell === null;
  if (typeof value !== "object" || Array.isArray(value)) return op(cell, "eq", value, type);
  const parts: Tri[] = [];
  for (const [name, operand] of Object.entries(value as Record<string, unknown>)) {
    if (operand === undefined) continue;
    const part = op(cell, name, operand, type);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return and(parts);
}

function op(cell: string | number | null, name: string, operand: unknown, type: "int" | "text"): Tri | undefined {
  if (type === "text" && ["gt", "gte", "lt", "lte", "between"].includes(name)) return undefined; // collation-dependent
  if (name === "like" || name === "ilike") return undefined;
  switch (name) {
    case "eq": return operand === null ? cell === null : cell === null ? null : cell === operand;
    case "ne": return operand === null ? cell !== null : cell !== operand;
    case "isNull": return operand ? cell === null : cell !== null;
    case "in": case "notIn": {
      const list = operand as unknown[];
      const hit: Tri = list.length === 0 ? false : cell === null ? null : list.includes(cell);
      return name === "in" ? hit : hit === null ? null : !hit;
    }
    case "between": {
      const [a, b] = operand as number[];
      return cell === null ? null : (cell as number) >= a! && (cell as number) <= b!;
    }
    case "gt": return cell === null ? null : (cell as number) > (operand as number);
    case "gte": return cell === null ? null : (cell as number) >= (operand as number);
    case "lt": return cell === null ? null : (cell as number) < (operand as number);
    case "lte": return cell === null ? null : (cell as number) <= (operand as number);
    case "contains": return cell === null ? null : String(cell).includes(operand as string);
    case "startsWith": return cell === null ? null : String(cell).startsWith(operand as string);
    case "endsWith": return cell === null ? null : String(cell).endsWith(operand as string);
    default: return undefined;
  }
}

const and = (parts: Tri[]): Tri => (parts.includes(false) ? false : parts.includes(null) ? null : true);
const or = (parts: Tri[]): Tri => (parts.includes(true) ? true : parts.includes(null) ? null : false);

// ------------------------------------------------------------------ the property

test(`hostile filter, sort and pagination input (${NUM_RUNS} cases): InvalidQueryError or a correct result; only SELECTs; canary intact`, async () => {
  const outcomes = { rejected: 0, answered: 0, checkedByOracle: 0, oracleWithConditions: 0 };
  const { statements } = await captureStatements(t.uw.dataSource, () =>
    fc.assert(
      fc.asyncProperty(operation, fc.oneof(filter, valid as fc.Arbitrary<Record<string, unknown>>), sort, count, count, async (name, where, orderBy, a, b) => {
        let result: unknown;
        try {
          switch (name) {
            case "findMany": result = await fns.findMany({ where: where as never, orderBy: orderBy as never, limit: a as number }); break;
            case "findFirst": result = await fns.findFirst({ where: where as never, orderBy: orderBy as never }); break;
            case "count": result = await fns.count(where as never); break;
            case "exists": result = await fns.exists(where as never); break;
            case "paginate": result = await fns.paginate({ where: where as never, orderBy: orderBy as never, page: a as number, pageSize: b as number }); break;
            default: result = await fns.paginateByCursor({ where: where as never, orderBy: orderBy as never, first: b as number });
          }
        } catch (error) {
          if (!(error instanceof InvalidQueryError)) throw error;
          outcomes.rejected++;
          return;
        }
        outcomes.answered++;
        // the same filter, counted: every answer must agree with it
        const total = await fns.count(where as never);
        const expected = rows.filter((row) => evaluate(where, row) === true).map((r) => r.id).sort((x, y) => x - y);
        const oracle = rows.every((row) => evaluate(where, row) !== undefined);
        if (oracle) {
          outcomes.checkedByOracle++;
          if (Object.values(where).some((v) => v !== undefined)) outcomes.oracleWithConditions++;
          expect(total).toBe(expected.length);
        }
        const ids = (items: FunctionEntity[]) => items.map((f) => f.id);
        switch (name) {
          case "findMany": {
            const items = result as FunctionEntity[];
            expect(items.length).toBe(Math.min(total, a as number));
            if (oracle) for (const id of ids(items)) expect(expected).toContain(id);
            break;
          }
          case "findFirst": expect(result === null).toBe(total === 0); break;
          case "count": expect(result).toBe(total); break;
          case "exists": expect(result).toBe(total > 0); break;
          case "paginate": {
            const page = result as { items: FunctionEntity[]; total: number; pageSize: number; page: number };
            expect(page.total).toBe(total);
            if (oracle) for (const id of ids(page.items)) expect(expected).toContain(id);
            expect(page.items.length).toBe(Math.max(0, Math.min(page.pageSize, total - (page.page - 1) * page.pageSize)));
            break;
          }
          default: {
            const page = result as { items: FunctionEntity[]; pageInfo: { hasNextPage: boolean } };
            expect(page.items.length).toBe(Math.min(total, b as number));
            expect(page.pageInfo.hasNextPage).toBe(total > (b as number));
            if (oracle) for (const id of ids(page.items)) expect(expected).toContain(id);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    ),
  );
  // every statement that reached the server was a SELECT, and no input became SQL text
  expect(statements.length).toBeGreaterThan(outcomes.answered);
  for (const sql of statements) {
    expect(sql).toMatch(/^SELECT /);
    expect(sql).not.toMatch(/drop table|canary|1=1/i);
  }
  expect(await t.uw.dataSource.query(`SELECT count(*)::int AS n FROM canary WHERE note = 'tweet'`)).toEqual([{ n: 3 }]);
  expect(await fns.count()).toBe(rows.length);
  // the generators reach both outcomes, and the oracle judges a real share of the answers
  expect(outcomes.rejected + outcomes.answered).toBeGreaterThanOrEqual(NUM_RUNS);
  expect(outcomes.rejected).toBeGreaterThan(NUM_RUNS / 10);
  expect(outcomes.answered).toBeGreaterThan(NUM_RUNS / 10);
  expect(outcomes.checkedByOracle).toBeGreaterThan(NUM_RUNS / 20);
  expect(outcomes.oracleWithConditions).toBeGreaterThan(NUM_RUNS / 40);
  process.stdout.write(`hostile input: ${JSON.stringify(outcomes)}, ${statements.length} SELECTs\n`);
});
