import { FunctionLog, LogLevel } from "../../examples/domain";
import { CheckViolationError, ForeignKeyViolationError, NotNullViolationError, UniqueViolationError, ValidationError } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { logRows, seedFunctions } from "./fixtures";

let t: TestUnitwork;
let functionId: number;
beforeAll(async () => {
  t = await openTestUnitwork();
  functionId = (await seedFunctions(t)).functionIds[0]!;
});
afterAll(() => t.close());

const logs = () => t.uw.repositories.create(FunctionLog);
const countTagged = async (tag: string) =>
  Number((await t.uw.dataSource.query(`SELECT count(*) AS n FROM function_logs WHERE message LIKE $1`, [`${tag} %`]))[0].n);

describe.each(["copy", "unnest"] as const)("bulkInsert with strategy %s", (strategy) => {
  test("ids[i] is the key of rows[i] across chunks while another connection inserts", async () => {
    const tag = `order-${strategy}`;
    const rows = logRows(functionId, 3_000, tag);
    let stop = false;
    const competitor = (async () => {
      let n = 0;
      while (!stop) {
        await t.uw.dataSource.query(`INSERT INTO function_logs (function_id, level, message) VALUES ($1, 'debug', $2)`, [functionId, `competitor ${n++}`]);
      }
      return n;
    })();
    const result = await logs().bulkInsert(rows, { strategy, chunkSize: 500 });
    stop = true;
    expect(await competitor).toBeGreaterThan(0);
    expect(result.count).toBe(3_000);
    const ids = result.ids!;
    expect(ids).toHaveLength(3_000);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(BigInt(ids[i]!) > BigInt(ids[i - 1]!)).toBe(true);
    const stored = await t.uw.dataSource.query(`SELECT id::text AS id, message FROM function_logs WHERE id = ANY($1::bigint[])`, [ids]);
    const byId = new Map<string, string>(stored.map((r: { id: string; message: string }) => [r.id, r.message]));
    expect(ids.map((id) => byId.get(id as string))).toEqual(rows.map((r) => r.message));
  });

  test("one bad row aborts the whole call with a typed error naming the row, nothing written", async () => {
    const tag = `bad-${strategy}`;
    const rows = logRows(functionId, 2_500, tag);
    rows[1_234] = { ...rows[1_234], level: "fatal" as LogLevel };
    // validate: false, so the row reaches the database (the entity's @IsIn would refuse it first)
    const error = await logs().bulkInsert(rows, { strategy, chunkSize: 1_000, validate: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckViolationError);
    expect((error as CheckViolationError).rowIndex).toBe(1_234);
    expect((error as CheckViolationError).constraint).toBe("chk_function_logs_level");
    expect((error as Error).message).toContain("row 1234");
    expect(await countTagged(tag)).toBe(0);
  });

  test("NOT NULL, unique and foreign key violations name the row", async () => {
    const tag = `violations-${strategy}`;
    const notNull = logRows(functionId, 1_200, tag);
    const { message: _dropped, ...withoutMessage } = notNull[1_100]!;
    notNull[1_100] = withoutMessage as typeof notNull[number];
    const e1 = await logs().bulkInsert(notNull, { strategy, validate: false }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(NotNullViolationError);
    expect((e1 as NotNullViolationError).rowIndex).toBe(1_100);
    // an explicit null in a NOT NULL column is refused before any SQL, naming the row
    const explicitNull = logRows(functionId, 1_200, tag);
    explicitNull[1_100] = { ...explicitNull[1_100], message: null as unknown as string };
    const e0 = await logs().bulkInsert(explicitNull, { strategy, validate: false }).catch((e: unknown) => e);
    expect(e0).toBeInstanceOf(ValidationError);
    expect((e0 as Error).message).toMatch(/row 1100[\s\S]*message cannot be null/);

    const unique = logRows(functionId, 1_200, tag);
    unique[7] = { ...unique[7], uuid: "00000000-0000-4000-8000-000000000007" };
    unique[1_001] = { ...unique[1_001], uuid: "00000000-0000-4000-8000-000000000007" };
    const e2 = await logs().bulkInsert(unique, { strategy, keepGenerated: true }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(UniqueViolationError);
    expect((e2 as UniqueViolationError).rowIndex).toBe(1_001);

    const foreign = logRows(functionId, 1_200, tag);
    foreign[555] = { ...foreign[555], functionId: 987_654 };
    const e3 = await logs().bulkInsert(foreign, { strategy }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(ForeignKeyViolationError);
    expect((e3 as ForeignKeyViolationError).rowIndex).toBe(555);
    expect(await countTagged(tag)).toBe(0);
  });
});

test("COPY text round-trips multi-byte text, escapes, NULL and fields larger than one 64 KB piece", async () => {
  const tag = "encoded";
  const messages = [
    `${tag} plain`,
    `${tag} tab\there, newline\nthere, return\rthere, backslash \\ and \\N`,
    `${tag} ünïcödé 日本語 🚀🚀 ${"é".repeat(30_000)}`, // ~60 KB of two-byte characters: crosses a piece
    `${tag} ${"🚀".repeat(40_000)}`, // 160 KB of four-byte characters: larger than a piece
    `${tag} ${"x".repeat(70_000)}`,
  ];
  const rows = Array.from({ length: 1_500 }, (_, i) => ({
    functionId,
    level: LogLevel.Info,
    message: messages[i % messages.length]!,
    metadata: i % 3 === 0 ? null : { i, text: messages[i % 2]! },
  }));
  const { ids } = await logs().bulkInsert(rows, { strategy: "copy" });
  const stored = await t.uw.dataSource.query(`SELECT id::text AS id, message, metadata FROM function_logs WHERE id = ANY($1::bigint[])`, [ids]);
  const byId = new Map<string, { message: string; metadata: unknown }>(stored.map((r: { id: string; message: string; metadata: unknown }) => [r.id, r]));
  expect(ids!.map((id) => byId.get(id as string)!.message)).toEqual(rows.map((r) => r.message));
  expect(ids!.map((id) => byId.get(id as string)!.metadata)).toEqual(rows.map((r) => r.metadata));
  await logs().bulkDelete(ids!);
});

describe("bulkInsert of an array by COPY: consecutive chunks share one COPY", () => {
  test("chunks of different columns are written in order, each with its own column list", async () => {
    const tag = "shapes";
    const rows = logRows(functionId, 3_000, tag);
    // rows 1,000-1,999 set the uuid (a column the other chunks leave to the database default)
    for (let i = 1_000; i < 2_000; i++) rows[i] = { ...rows[i], uuid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` };
    const { report, result } = await t.uw.analyzer.scope("shapes", () => logs().bulkInsert(rows, { strategy: "copy", chunkSize: 500, keepGenerated: true }));
    expect(report.queries.filter((q) => q.sql.startsWith("SELECT string_agg")).length).toBe(1);
    const stored = await t.uw.dataSource.query(`SELECT id::text AS id, message, uuid FROM function_logs WHERE id = ANY($1::bigint[])`, [result.ids]);
    const byId = new Map<string, { message: string; uuid: string }>(stored.map((r: { id: string; message: string; uuid: string }) => [r.id, r]));
    expect(result.ids!.map((id) => byId.get(id as string)!.message)).toEqual(rows.map((r) => r.message));
    expect(byId.get(result.ids![1_500] as string)!.uuid).toBe("00000000-0000-4000-8000-000000001500");
    expect(new Set(stored.map((r: { uuid: string }) => r.uuid)).size).toBe(3_000);
    expect(await countTagged(tag)).toBe(3_000);
    await logs().bulkDelete(result.ids!);
  });

  test("a bad row in a later chunk names its index in the whole call, nothing written", async () => {
    const tag = "later";
    const check = logRows(functionId, 5_000, tag);
    check[3_777] = { ...check[3_777], level: "fatal" as LogLevel };
    const e1 = await logs().bulkInsert(check, { strategy: "copy", chunkSize: 1_000, validate: false }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CheckViolationError);
    expect((e1 as CheckViolationError).rowIndex).toBe(3_777);

    const foreign = logRows(functionId, 5_000, tag);
    foreign[4_321] = { ...foreign[4_321], functionId: 987_654 };
    const e2 = await logs().bulkInsert(foreign, { strategy: "copy", chunkSize: 1_000 }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ForeignKeyViolationError);
    expect((e2 as ForeignKeyViolationError).rowIndex).toBe(4_321);

    // a value the column cannot hold is found while rendering chunk 5, after chunks 1-4 went to the server
    const unrenderable = logRows(functionId, 5_000, tag);
    unrenderable[4_500] = { ...unrenderable[4_500], message: "bad \u0000" };
    const e3 = await logs().bulkInsert(unrenderable, { strategy: "copy", chunkSize: 1_000 }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(ValidationError);
    expect((e3 as ValidationError).issues[0]).toMatchObject({ row: 4_500, property: "message" });

    expect(await countTagged(tag)).toBe(0);
    // the connection is usable afterwards
    expect((await logs().bulkInsert(logRows(functionId, 2, tag), { strategy: "copy" })).count).toBe(2);
    expect(await countTagged(tag)).toBe(2);
  });
});

test("rows that set no column (returning none) are written by unnest, not an empty COPY column list", async () => {
  const error = await logs().bulkInsert(Array.from({ length: 1_500 }, () => ({})), { strategy: "copy", returning: "none" }).catch((e: unknown) => e);
  // function_id has no default: PostgreSQL's own NOT NULL error, not a syntax error about "COPY … ()"
  expect(error).toBeInstanceOf(NotNullViolationError);
  expect((error as NotNullViolationError).column).toBe("function_id");
});

test("a statement with more than 65,535 values (unnest binds one array per column)", async () => {
  const rows = logRows(functionId, 12_000, "wide");
  // 12,000 rows x 5 columns (+ reserved ids) = 72,000 values in ONE statement.
  const result = await logs().bulkInsert(rows, { strategy: "unnest", chunkSize: 12_000 });
  expect(result.count).toBe(12_000);
  expect(await countTagged("wide")).toBe(12_000);
});

test("an AsyncIterable is consumed chunk by chunk and progress is reported", async () => {
  let produced = 0;
  const progress: number[] = [];
  const producedAtProgress: number[] = [];
  async function* generate() {
    for (let i = 0; i < 2_500; i++) {
      produced++;
      yield { functionId, level: LogLevel.Debug, message: `stream ${i}` };
    }
  }
  const result = await logs().bulkInsert(generate(), {
    chunkSize: 1_000,
    returning: "none",
    onProgress: (done) => {
      progress.push(done);
      producedAtProgress.push(produced);
    },
  });
  expect(result).toEqual({ count: 2_500 });
  expect(progress).toEqual([1_000, 2_000, 2_500]);
  // The generator is never more than one chunk (plus the row that closes it) ahead of the writes.
  expect(producedAtProgress[0]).toBeLessThanOrEqual(1_001);
  expect(await countTagged("stream")).toBe(2_500);
});

test("an AsyncIterable returns ids[i] for its i-th row across chunks", async () => {
  async function* generate() {
    for (let i = 0; i < 2_345; i++) yield { functionId, level: LogLevel.Info, message: `iterated ${i}` };
  }
  const { count, ids } = await logs().bulkInsert(generate(), { chunkSize: 1_000 });
  expect(count).toBe(2_345);
  expect(ids).toHaveLength(2_345);
  expect(ids!.every((id) => typeof id === "string")).toBe(true);
  const stored = await t.uw.dataSource.query(`SELECT id::text AS id, message FROM function_logs WHERE id = ANY($1::bigint[])`, [ids]);
  const byId = new Map<string, string>(stored.map((r: { id: string; message: string }) => [r.id, r.message]));
  expect(ids!.map((id) => byId.get(id as string))).toEqual(Array.from({ length: 2_345 }, (_, i) => `iterated ${i}`));
});

test("a failed unit of work rolls the bulk insert back", async () => {
  await expect(
    t.uw.unitOfWork.run(async (ctx) => {
      await ctx.repository(FunctionLog).bulkInsert(logRows(functionId, 2_000, "rolledback"));
      expect(await ctx.repository(FunctionLog).count({ functionId })).toBeGreaterThanOrEqual(2_000);
      throw new Error("boom");
    }),
  ).rejects.toThrow("boom");
  expect(await countTagged("rolledback")).toBe(0);
});

test("a failed bulk call inside a unit of work leaves the unit usable (savepoint)", async () => {
  const bad = logRows(functionId, 10, "inner");
  bad[3] = { ...bad[3], level: "nope" as LogLevel };
  await t.uw.unitOfWork.run(async (ctx) => {
    const repo = ctx.repository(FunctionLog);
    await repo.bulkInsert(logRows(functionId, 5, "outer"));
    await expect(repo.bulkInsert(bad, { validate: false })).rejects.toBeInstanceOf(CheckViolationError);
    await repo.bulkInsert(logRows(functionId, 5, "outer2"));
  });
  expect(await countTagged("outer")).toBe(5);
  expect(await countTagged("outer2")).toBe(5);
  expect(await countTagged("inner")).toBe(0);
});

test("input is checked: unknown keys, generated keys and validate: true", async () => {
  const unknown = await logs().bulkInsert([{ functionId, level: LogLevel.Info, message: "x" }, { functionId, level: LogLevel.Info, message: "y", colour: "red" } as never]).catch((e: unknown) => e);
  expect(unknown).toBeInstanceOf(ValidationError);
  expect((unknown as ValidationError).issues[0]).toMatchObject({ row: 1, property: "colour" });

  const generated = await logs().bulkInsert([{ id: "5", functionId, level: LogLevel.Info, message: "x" }]).catch((e: unknown) => e);
  expect(generated).toBeInstanceOf(ValidationError);
  expect((generated as ValidationError).issues[0]).toMatchObject({ row: 0, property: "id" });

  const rows = logRows(functionId, 20, "validated");
  rows[13] = { ...rows[13], level: "loud" as LogLevel };
  const invalid = await logs().bulkInsert(rows, { validate: true }).catch((e: unknown) => e);
  expect(invalid).toBeInstanceOf(ValidationError);
  expect((invalid as ValidationError).issues).toEqual([expect.objectContaining({ row: 13, property: "level" })]);
  expect(await countTagged("validated")).toBe(0);
});

test("the analyzer sees the chunked statements as unitwork's bulk work, not as an N+1", async () => {
  const { result, report } = await t.uw.analyzer.scope("bulk", () =>
    t.uw.unitOfWork.run((ctx) => ctx.repository(FunctionLog).bulkInsert(logRows(functionId, 3_000, "analyzed"), { chunkSize: 500, strategy: "unnest" })),
  );
  expect(result.count).toBe(3_000);
  // the array's keys are reserved in one statement, then 6 chunks of 500 rows: one INSERT each
  expect(report.queries.filter((q) => /^(SELECT string_agg|INSERT)/.test(q.sql)).map((q) => q.sql.slice(0, 6))).toEqual(["SELECT", ...Array(6).fill("INSERT")]);
  expect(report.findings).toEqual([]);
});

test("text or JSON holding NUL characters is refused with ValidationError naming the row, nothing written", async () => {
  for (const strategy of ["copy", "unnest"] as const) {
    const bad = [
      { rows: [{ message: "fine" }, { message: "a\u0000b" }], property: "message" },
      { rows: [{ message: "fine" }, { message: "fine", metadata: { note: "x\u0000" } }], property: "metadata" },
      { rows: [{ message: "fine" }, { message: "fine", metadata: { ["k\u0000"]: 1 } }], property: "metadata" },
    ];
    for (const { rows, property } of bad) {
      const error = await logs().bulkInsert(rows.map((r) => ({ functionId, level: "info", ...r })), { strategy }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]).toMatchObject({ row: 1, property });
    }
  }
  expect(await logs().count({ functionId, message: "fine" })).toBe(0);
  // an escaped backslash followed by "u0000" is ordinary text, not a NUL
  const ok = await logs().bulkInsert([{ functionId, level: "info", message: "fine", metadata: { note: "\\u0000" } }]);
  expect(ok.count).toBe(1);
  await logs().bulkDelete(ok.ids!);
});

describe("one pipeline for arrays and iterables: an array is one batch, an iterable one batch per chunk", () => {
  const reservations = (report: { queries: { sql: string }[] }) => report.queries.filter((q) => q.sql.startsWith("SELECT string_agg")).length;

  test("an array reserves its keys once; an iterable of the same rows once per chunk, with the same ids in order", async () => {
    const rows = logRows(functionId, 2_500, "batched");
    const asArray = await t.uw.analyzer.scope("array", () => logs().bulkInsert(rows, { strategy: "copy", chunkSize: 1_000 }));
    const asIterable = await t.uw.analyzer.scope("iterable", () => logs().bulkInsert(rows.values(), { strategy: "copy", chunkSize: 1_000 }));
    expect([reservations(asArray.report), reservations(asIterable.report)]).toEqual([1, 3]);
    for (const { result } of [asArray, asIterable]) {
      const stored = await t.uw.dataSource.query(`SELECT id::text AS id, message FROM function_logs WHERE id = ANY($1::bigint[])`, [result.ids]);
      const byId = new Map<string, string>(stored.map((r: { id: string; message: string }) => [r.id, r.message]));
      expect(result.ids!.map((id) => byId.get(id as string))).toEqual(rows.map((r) => r.message));
      await logs().bulkDelete(result.ids!);
    }
  });

  test("an iterable may read from the same unit of work while it is written by COPY", async () => {
    const written = await t.uw.unitOfWork.run(async (ctx) => {
      const repository = ctx.repository(FunctionLog);
      async function* generate() {
        for (let chunk = 0; chunk < 3; chunk++) {
          const before = await repository.count({ message: { startsWith: "reading " } });
          for (let i = 0; i < 1_000; i++) yield { functionId, level: LogLevel.Info, message: `reading ${before + i}` };
        }
      }
      return repository.bulkInsert(generate(), { strategy: "copy", chunkSize: 1_000, returning: "none" });
    });
    expect(written).toEqual({ count: 3_000 });
    expect(await countTagged("reading")).toBe(3_000);
    // each chunk was written before the next was pulled: the generator saw 0, 1,000 and 2,000 rows
    const [{ n }] = await t.uw.dataSource.query(`SELECT count(DISTINCT message) AS n FROM function_logs WHERE message LIKE 'reading %'`);
    expect(Number(n)).toBe(3_000);
  });
});
