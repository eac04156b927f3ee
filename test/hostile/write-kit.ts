import fc from "fast-check";
import type { Client } from "pg";
import { FunctionEntity, FunctionLog, User } from "../../examples/domain";
import type { AsyncBaseRepository } from "../../src";
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
  hostileScalar,
  hostileString,
  isEarlyRefusal,
  monster,
  PROTO_KEYS,
  prototypeSnapshot,
  SQL_KEYS,
  tablesMarker,
  toObject,
  WireCapture,
} from "./hostile";

/**
 * Hostile rows through every write method: `create`, `update`, `delete`, `softDelete`, `restore`,
 * `bulkInsert`, `bulkUpdate`, `bulkUpsert`, `bulkDelete`, outside a unit of work, inside one that
 * commits and inside one that rolls back. Rows hold wrong types, NUL and lone surrogates in strings
 * and JSON, functions, huge numbers, NaN, prototype keys, unknown keys, relation objects, deep
 * nesting and huge arrays. For every input: a correct answer or a typed 4xx error; a refusal
 * decided by unitwork sends no write to the server; a refused write leaves every table as it was;
 * a stored string is stored unaltered; the canary survives; the prototypes stay clean.
 */
export let t: TestUnitwork;
export let oracle: Client;
let capture: WireCapture;
let fixture: HostileFixture | undefined;
let fns: AsyncBaseRepository<FunctionEntity>;
let logs: AsyncBaseRepository<FunctionLog>;
let users: AsyncBaseRepository<User>;
let counts: Counts;
let prototypes: ReturnType<typeof prototypeSnapshot>;
const TABLES = ["users", "user_information", "organizations", "functions", "function_deployments", "function_logs", "function_invocations", "canary"];
let unique = 0;

/** Registers the file's fixture: a seeded database, the canary, the capture and the oracle client. */
export function useWriteFixture(name: string): Counts {
  counts = new Counts(name);
  prototypes = prototypeSnapshot();
  beforeAll(async () => {
  fixture = await openHostileFixture((opened) => seed(opened.uw));
  ({ t, oracle, capture } = fixture);
  fns = t.uw.repositories.create(FunctionEntity);
  logs = t.uw.repositories.create(FunctionLog);
  users = t.uw.repositories.create(User);
  await logs.bulkInsert(Array.from({ length: 20 }, (_, i) => ({ functionId: 1 + (i % 3), level: "info" as const, message: `seed ${i}`, metadata: { i } })));
});

afterAll(async () => {
  counts.print();
  await fixture?.close();
});
  return counts;
}

/** The end-of-file checks: the canary survives, the prototypes are clean, every input ran. */
export async function afterRun(expected: number): Promise<void> {
  expect(await canaryRows(oracle)).toEqual(CANARY_ROWS.map((r) => [...r]));
  assertPrototypesClean(prototypes);
  expect(counts.total()).toBeGreaterThanOrEqual(expected);
}

// ------------------------------------------------------------------ generators

const FUNCTION_KEYS = ["id", "uuid", "userId", "organizationId", "name", "status", "runtime", "analysisResult", "activeDeploymentId", "createdAt", "updatedAt", "deletedAt", "version", "user", "organization", "activeDeployment", "deployments", "logs", "invocations"];
const LOG_KEYS = ["id", "uuid", "functionId", "level", "message", "metadata", "createdAt", "function"];
const USER_KEYS = ["id", "uuid", "email", "passwordHash", "role", "isActive", "createdAt", "version", "deletedAt", "information", "functions", "memberships"];

export const relationObject = fc.constantFrom<unknown>({ id: 2 }, { id: 99_999 }, { id: "1; drop table canary" }, { id: { ilike: "%" } }, { email: "x@y.co" }, [{ id: 1 }], { id: 1, name: "evil", status: "active" }, JSON.parse('{"__proto__":{"id":1}}'));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileScalar },
  { weight: 3, arbitrary: hostileJson },
  { weight: 2, arbitrary: relationObject },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(() => "now()", () => "1); drop table canary; --", function evil() { return "x"; }, async () => 1, class K {}) },
  { weight: 1, arbitrary: monster },
);

export type EntityName = "fns" | "logs" | "users";
const KEYS: Record<EntityName, string[]> = { fns: FUNCTION_KEYS, logs: LOG_KEYS, users: USER_KEYS };

/** A plausible row of the entity, with `unique` making its unique keys fresh. */
function baseRow(entity: EntityName, n: number): [string, unknown][] {
  switch (entity) {
    case "fns": return [["userId", 1 + (n % 3)], ["name", `fz-${n}`], ["runtime", "node"]];
    case "logs": return [["functionId", 1 + (n % 4)], ["level", "info"], ["message", `m-${n}`], ["metadata", { n }]];
    default: return [["email", `fz${n}@fuzz.example`]];
  }
}

export const mutation = (entity: EntityName) => fc.tuple(
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KEYS[entity]) }, { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, "isAdmin", "polluted", "role ", "name::text") }, { weight: 1, arbitrary: fc.constantFrom(...SQL_KEYS) }, { weight: 1, arbitrary: hostileString }),
  hostileValue,
);

/** A row: the plausible base with 0–3 hostile mutations, or a few whole-row oddities. */
export const row = (entity: EntityName) => fc.oneof(
  { weight: 5, arbitrary: fc.constant({ muts: [], drop: false }) },
  { weight: 12, arbitrary: fc.tuple(fc.array(mutation(entity), { maxLength: 3 }), fc.boolean()).map(([muts, drop]) => ({ muts, drop })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 1, "row", [], [1], JSON.parse('{"__proto__":{"polluted":1,"isAdmin":true}}'), JSON.parse('{"constructor":{"prototype":{"polluted":1}}}'), Object.create(null)).map((odd) => ({ odd })) },
);
export type RowSpec = { muts?: [string, unknown][]; drop?: boolean; odd?: unknown };
export function buildRow(entity: EntityName, spec: RowSpec): unknown {
  if ("odd" in spec) return spec.odd;
  const base = baseRow(entity, ++unique);
  const entries = spec.drop ? base.slice(1) : base;
  const object = toObject(entries);
  for (const [k, v] of spec.muts ?? []) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
  return object;
}

export const mode = fc.constantFrom("auto", "commit", "rollback") as fc.Arbitrary<"auto" | "commit" | "rollback">;
export const entity = fc.constantFrom<EntityName>("fns", "fns", "logs", "users");
export const id = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(99_999, 0, -1, "1", "1; drop table canary", "1 OR 1=1", 1.5, Number.NaN, 2 ** 31, 2 ** 53 + 2, 10n ** 30n, null, undefined, { id: 1 }, { ilike: "%" }, [1, 2], "\u0000", "\ud800", () => 1, JSON.parse('{"__proto__":{"id":1}}')) },
  { weight: 1, arbitrary: hostileScalar },
);

// ------------------------------------------------------------------ runner

export const ROLLBACK = Symbol("rollback");
export const repo = (e: EntityName) => (e === "fns" ? fns : e === "logs" ? logs : users) as unknown as AsyncBaseRepository<Record<string, unknown>>;
export const TABLE: Record<EntityName, string> = { fns: "functions", logs: "function_logs", users: "users" };
const TEXT_COLUMNS: Record<EntityName, Record<string, string>> = { fns: { name: "name", runtime: "runtime" }, logs: { message: "message", level: "level" }, users: { email: "email", passwordHash: "password_hash" } };

export async function rowCount(table: string): Promise<number> {
  return (await oracle.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

/**
 * Runs one write in its mode and checks it: refusals are typed, early refusals send no write, and a
 * refusal (or a rollback) leaves every table as it was. Returns the answer, or undefined.
 */
export async function write<R>(cls: string, input: unknown, how: "auto" | "commit" | "rollback", call: () => Promise<R>, written?: { e: EntityName; rows: unknown[] }): Promise<{ answered: boolean; result?: R }> {
  counts.tried(cls);
  const before = await tablesMarker(oracle, TABLES);
  const wrapped = how === "auto" ? call : () => t.uw.unitOfWork.run(async () => {
    const result = await call();
    if (how === "rollback") throw Object.assign(new Error("rollback"), { [ROLLBACK]: result });
    return result;
  });
  const { result, error, failed, statements } = await capture.during(wrapped);
  for (const sql of statements) if (/canary/i.test(sql)) throw new Error(`${cls}: a statement names the canary: ${sql.slice(0, 300)} for ${describeInput(input)}`);
  const rolledBack = failed && typeof error === "object" && error !== null && ROLLBACK in error;
  if (failed && !rolledBack) {
    expectRefusal(error, input);
    if (isEarlyRefusal(error)) {
      const bad = forbiddenStatements(statements);
      if (bad.length) throw new Error(`${cls}: refused with ${(error as Error).constructor.name} after sending ${bad.join(" | ").slice(0, 400)} for ${describeInput(input)}`);
    }
    const after = await tablesMarker(oracle, TABLES);
    if (after !== before) throw new Error(`${cls}: refused with ${(error as Error).constructor.name} (${(error as Error).message.slice(0, 200)}) but the tables changed (half-written) for ${describeInput(input)}`);
    if (process.env.HOSTILE_DEBUG === cls) process.stdout.write(`${cls} refused: ${(error as Error).constructor.name}: ${(error as Error).message.slice(0, 160)}\n`);
    counts.refused(cls);
    return { answered: false };
  }
  if (rolledBack) {
    const after = await tablesMarker(oracle, TABLES);
    if (after !== before) throw new Error(`${cls}: rolled back, but the tables changed for ${describeInput(input)}`);
  }
  const unstorable = written && (unstorableIn(written.e, written.rows) ?? twoValuesIn(written.e, written.rows));
  if (unstorable) throw new Error(`${cls}: accepted ${unstorable}, which PostgreSQL cannot store unaltered, for ${describeInput(input)}`);
  counts.answered(cls);
  return { answered: true, result: rolledBack ? (error as Record<symbol, R>)[ROLLBACK] : result };
}

/** The text and json columns of each entity: a NUL or a lone surrogate in them must be refused. */
const STORED_TEXT: Record<EntityName, string[]> = { fns: ["name", "runtime", "analysisResult"], logs: ["level", "message", "metadata"], users: ["email", "passwordHash"] };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a row set would store a NUL or a lone UTF-16 surrogate (a string or JSON key in a text/json column). */
export function unstorableIn(e: EntityName, rows: unknown[]): string | undefined {
  const bad = (text: string) => text.includes("\u0000") || LONE_SURROGATE.test(text);
  const scan = (value: unknown, depth: number): boolean => {
    if (typeof value === "string") return bad(value);
    if (value === null || typeof value !== "object" || depth > 64 || value instanceof Date) return false;
    if (Array.isArray(value)) return value.length <= 10_000 && value.some((v) => scan(v, depth + 1));
    return Object.keys(value).some((k) => bad(k) || scan((value as Record<string, unknown>)[k], depth + 1));
  };
  for (const [i, row] of rows.entries()) {
    if (row === null || typeof row !== "object") continue;
    for (const column of STORED_TEXT[e]) {
      if (Object.prototype.hasOwnProperty.call(row, column) && scan((row as Record<string, unknown>)[column], 0)) return `row ${i}: ${column} = ${describeInput((row as Record<string, unknown>)[column]).slice(0, 80)}`;
    }
  }
  return undefined;
}

/** Foreign-key columns and their relation properties: a row may give one column one value only. */
const FOREIGN_KEYS: Record<EntityName, [string, string][]> = { fns: [["userId", "user"], ["organizationId", "organization"], ["activeDeploymentId", "activeDeployment"]], logs: [["functionId", "function"]], users: [] };

/** A row that gives a foreign key twice (`userId` and a `user` object), which must be a ValidationError. */
export function twoValuesIn(e: EntityName, rows: unknown[]): string | undefined {
  for (const [i, row] of rows.entries()) {
    if (row === null || typeof row !== "object") continue;
    const has = (k: string) => Object.prototype.hasOwnProperty.call(row, k) && (row as Record<string, unknown>)[k] !== undefined;
    for (const [column, relation] of FOREIGN_KEYS[e]) {
      const related = (row as Record<string, unknown>)[relation];
      if (has(column) && has(relation) && related !== null && typeof related === "object") return `row ${i}: both ${column} and ${relation} (one column, two values)`;
    }
  }
  return undefined;
}

/** Strings given for text columns are stored exactly (no U+FFFD, no truncation). */
export async function storedAsGiven(e: EntityName, input: unknown, idValue: unknown): Promise<void> {
  const given = input as Record<string, unknown>;
  for (const [property, column] of Object.entries(TEXT_COLUMNS[e])) {
    if (!Object.prototype.hasOwnProperty.call(given, property) || typeof given[property] !== "string") continue;
    const { rows } = await oracle.query(`SELECT ${column} AS v FROM ${TABLE[e]} WHERE id = $1`, [idValue]);
    if (rows.length) expect(rows[0].v).toBe(given[property]);
  }
}

