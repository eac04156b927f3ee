import fc from "fast-check";
import { Client } from "pg";
import {
  CheckViolationError,
  ConcurrencyError,
  ForeignKeyViolationError,
  InvalidConfigError,
  InvalidQueryError,
  InvalidValueError,
  NotFoundError,
  NotNullViolationError,
  UniqueViolationError,
  UnsupportedMappingError,
  ValidationError,
} from "../../src";

/**
 * Shared pieces of the hostile-input fuzz suite (issue 11, "Scope beyond the list"): the seed, the
 * generators of hostile values, keys and objects, a wire-level statement capture, the canary table,
 * prototype checks and the per-class counts each file prints.
 */

// ------------------------------------------------------------------ seed

/** Fixed unless `FC_SEED` is set (a number replays a run; `random` draws a new one). */
export const SEED: number = (() => {
  const value = process.env.FC_SEED;
  if (!value) return 20_261_102;
  if (value === "random") return (Math.random() * 2 ** 31) | 0;
  const seed = Number(value);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got ${value}`);
  return seed;
})();

/** fast-check parameters for one class: the seed, its runs, and no time-based interruption. */
export const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns, endOnFailure: false });

// ------------------------------------------------------------------ outcomes

/** Typed errors a refused input may throw: each maps to a 4xx. */
// A missing required value, a check constraint and a value of SQLSTATE class 22 are typed 4xx (422/400)
// that PostgreSQL decides (a column without input may still have a trigger or default); a to-many
// relation in bulk rows is UnsupportedMappingError (400).
export const REFUSALS = [InvalidQueryError, ValidationError, InvalidConfigError, NotFoundError, ConcurrencyError, UniqueViolationError, ForeignKeyViolationError, NotNullViolationError, CheckViolationError, InvalidValueError, UnsupportedMappingError] as const;
/** Refusals decided before any write reaches the server: only reads and transaction control may have run. */
export const EARLY_REFUSALS = [InvalidQueryError, ValidationError, InvalidConfigError] as const;

export const isRefusal = (error: unknown) => REFUSALS.some((type) => error instanceof type);
export const isEarlyRefusal = (error: unknown) => EARLY_REFUSALS.some((type) => error instanceof type);

/** Re-throws anything that is not a typed 4xx refusal, with its name and top frames for the report. */
export function expectRefusal(error: unknown, input: unknown): void {
  if (isRefusal(error)) return;
  const e = error as Error;
  const head = `${e?.constructor?.name ?? typeof error}: ${e?.message ?? String(error)}`;
  const frames = (e?.stack ?? "").split("\n").slice(1, 6).join("\n");
  throw new Error(`untyped or 5xx error for input ${describeInput(input)}\n${head}\n${frames}`, { cause: error });
}

export function describeInput(input: unknown): string {
  try {
    return fc.stringify(input).slice(0, 2_000);
  } catch {
    return String(input);
  }
}

/** Per-class counts: tried, refused, answered. */
export class Counts {
  private readonly classes = new Map<string, { tried: number; refused: number; answered: number }>();
  private readonly started = Date.now();
  constructor(private readonly file: string) {}
  of(name: string) {
    let entry = this.classes.get(name);
    if (!entry) this.classes.set(name, (entry = { tried: 0, refused: 0, answered: 0 }));
    return entry;
  }
  tried(name: string) { this.of(name).tried++; }
  refused(name: string) { this.of(name).refused++; }
  answered(name: string) { this.of(name).answered++; }
  total(): number { return [...this.classes.values()].reduce((n, c) => n + c.tried, 0); }
  line(): string {
    const parts = [...this.classes].map(([name, c]) => `${name} ${c.tried}/${c.refused}/${c.answered}`);
    return `${this.file}: seed ${SEED}, ${this.total()} inputs in ${((Date.now() - this.started) / 1000).toFixed(1)}s (tried/refused/answered) ${parts.join(", ")}\n`;
  }
  print(): void { process.stdout.write(this.line()); }
}

// ------------------------------------------------------------------ statements on the wire

/**
 * Records every statement any pg `Client` of this process sends (TypeORM's queries and COPY
 * streams alike), except those of the oracle clients in `ignore`. One recording at a time.
 */
export class WireCapture {
  private bucket: string[] | undefined;
  private readonly original = Client.prototype.query;
  readonly ignore = new Set<unknown>();
  constructor() {
    const self = this;
    const original = this.original;
    Client.prototype.query = function (this: Client, config: unknown, ...rest: unknown[]) {
      if (self.bucket && !self.ignore.has(this)) {
        const text = typeof config === "string" ? config : (config as { text?: string } | null)?.text;
        self.bucket.push(String(text ?? "(unknown statement)"));
      }
      return (original as (...args: unknown[]) => unknown).call(this, config, ...rest);
    } as typeof Client.prototype.query;
  }
  async during<R>(fn: () => Promise<R>): Promise<{ result?: R; error?: unknown; failed: boolean; statements: string[] }> {
    const statements: string[] = [];
    this.bucket = statements;
    try {
      return { result: await fn(), failed: false, statements };
    } catch (error) {
      return { error, failed: true, statements };
    } finally {
      this.bucket = undefined;
    }
  }
  restore(): void {
    Client.prototype.query = this.original;
  }
}

const READ_OR_CONTROL = /^\s*(SELECT|BEGIN|START TRANSACTION|ROLLBACK|SAVEPOINT|RELEASE|SET LOCAL|SET TRANSACTION|SHOW)\b/i;

/** The statements of a refused input that are neither reads nor transaction control (a COMMIT included). */
export function forbiddenStatements(statements: string[]): string[] {
  return statements.filter((sql) => !READ_OR_CONTROL.test(sql));
}

// ------------------------------------------------------------------ canary and prototypes

export const CANARY_ROWS = [[1, "tweet"], [2, "O'Reilly; drop table canary"], [3, "\u00e9\u4e2d\ud83d\ude42"]] as const;

export async function createCanary(query: (sql: string, parameters?: unknown[]) => Promise<unknown>): Promise<void> {
  await query(`CREATE TABLE canary (id integer PRIMARY KEY, note text NOT NULL)`);
  for (const [id, note] of CANARY_ROWS) await query(`INSERT INTO canary VALUES ($1, $2)`, [id, note]);
}

export async function canaryRows(client: Client): Promise<unknown[][]> {
  const { rows } = await client.query<{ id: number; note: string }>(`SELECT id, note FROM canary ORDER BY id`);
  return rows.map((r) => [r.id, r.note]);
}

const protoKeys = () => ({
  object: Reflect.ownKeys(Object.prototype).map(String).sort(),
  array: Reflect.ownKeys(Array.prototype).map(String).sort(),
  function: Reflect.ownKeys(Function.prototype).map(String).sort(),
});
/** A snapshot of the own keys of Object/Array/Function.prototype, to compare after a run. */
export const prototypeSnapshot = protoKeys;
export function assertPrototypesClean(before: ReturnType<typeof protoKeys>): void {
  expect(protoKeys()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
}

/** A pg client for the oracle, canary and snapshots, whose statements the capture leaves out. */
export async function oracleClient(url: string, capture?: WireCapture): Promise<Client> {
  const client = new Client({ connectionString: url });
  capture?.ignore.add(client);
  await client.connect();
  return client;
}

/** A digest of whole tables' content, to prove a refused write left them as they were. */
export async function tablesDigest(client: Client, tables: readonly string[]): Promise<string> {
  const parts = tables.map((t) => `(SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM ${t} x)`);
  const { rows } = await client.query<{ d: string }>(`SELECT concat_ws(',', ${parts.join(", ")}) AS d`);
  return rows[0]!.d;
}

/**
 * A cheap marker of the committed content of tables: per table its row count and the newest row
 * version (`xmin`). Any committed insert, update or delete changes it; a rolled-back one does not.
 */
export async function tablesMarker(client: Client, tables: readonly string[]): Promise<string> {
  const parts = tables.map((t) => `(SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM ${t})`);
  const { rows } = await client.query<{ d: string }>(`SELECT concat_ws(',', ${parts.join(", ")}) AS d`);
  return rows[0]!.d;
}

// ------------------------------------------------------------------ hostile values

/** An object with these own keys, `__proto__` included as an own data property (as JSON.parse makes it). */
export const toObject = (entries: readonly (readonly [string, unknown])[]): Record<string, unknown> => {
  const object: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
  return object;
};

export const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "isPrototypeOf"];
export const SQL_KEYS = ["a;drop table canary", "name::text", 'name"', "name --", " name", "NAME", "e.name", "id)", "1=1", "*", "(select 1)", "name\u0000", "na\ud800me", ""];

const LONE = ["\ud800", "\udfff", "a\udc00b", "\ud83d"];
export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) }, // lone surrogates included
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
  { weight: 3, arbitrary: fc.constantFrom("", " ", "a\u0000b", "\u0000", ...LONE, "%", "_", "\\", "%\\", "a\\", "\\\\", "'; drop table canary; --", "' OR '1'='1", "$1", "\"", "::text", "1 OR 1=1", "NaN", "Infinity", "-0", "1e999", "0x10", "2025-13-45", "2025-01-01", "9999-12-31T23:59:59Z", "10000-01-01", "0000-01-01", "00000000-0000-4000-8000-000000000000", "not-a-uuid", "true", "null", "undefined", "[object Object]", "__proto__") },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((k) => "x".repeat(10 ** k)) },
);

export const hostileNumber = fc.oneof(
  fc.integer({ min: -3, max: 10 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER),
);

/** Values of every JavaScript kind a careless caller or a parser might pass. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  fc.bigInt(),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.date({ noInvalidDate: false }),
  fc.uuid(),
  fc.constantFrom<unknown>(() => "now()", Symbol("s"), new Map([["a", 1]]), new Set([1]), /re/, new Uint8Array([0, 1]), Buffer.from("\u0000"), Object.create(null), new (class Weird { x = 1; })(), Promise.resolve(1)),
);

/** JSON-ish nested values with hostile keys, NUL and lone surrogates anywhere. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  json: fc.oneof(
    { maxDepth: 3, depthIdentifier: "json" },
    { weight: 4, arbitrary: fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null)) },
    fc.array(tie("json"), { maxLength: 3 }),
    fc.array(fc.tuple(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), tie("json")), { maxLength: 3 }).map(toObject),
  ),
})).json;

/** Deeply nested objects and huge arrays (the DoS shapes). */
export const monster = fc.oneof(
  fc.integer({ min: 100, max: 20_000 }).map((depth) => {
    let v: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  }),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => Array(n).fill(0)),
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => Array(n).fill({})),
);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
