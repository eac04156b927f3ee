import { captureStatements } from "../repository/statements";
import { FunctionEntity, FunctionLog, FunctionStatus, LogLevel, User } from "../../examples/domain";
import { CheckViolationError, ConcurrencyError, InvalidQueryError, ValidationError } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { logRows, seedFunctions } from "./fixtures";

let t: TestUnitwork;
let functionIds: number[];
beforeAll(async () => {
  t = await openTestUnitwork();
  ({ functionIds } = await seedFunctions(t, 6));
});
afterAll(() => t.close());

const functions = () => t.uw.repositories.create(FunctionEntity);

test("each row gets its own values; columns a row leaves undefined stay unchanged", async () => {
  const before = await functions().findMany({ where: { id: { in: functionIds } }, orderBy: "id" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const result = await functions().bulkUpdate([
    { id: functionIds[0], status: FunctionStatus.Active, analysisResult: { score: 1 } },
    { id: functionIds[1], runtime: "node20" },
    { id: functionIds[2], status: FunctionStatus.Failed, runtime: "go", organizationId: null },
  ]);
  expect(result).toEqual({ count: 3 });
  const after = await functions().findMany({ where: { id: { in: functionIds } }, orderBy: "id" });
  const fields = (f: FunctionEntity) => [f.status, f.runtime, f.analysisResult, f.organizationId];
  expect(after.slice(0, 4).map(fields)).toEqual([
    [FunctionStatus.Active, before[0]!.runtime, { score: 1 }, before[0]!.organizationId],
    [before[1]!.status, "node20", before[1]!.analysisResult, before[1]!.organizationId],
    [FunctionStatus.Failed, "go", before[2]!.analysisResult, null],
    fields(before[3]!),
  ]);
  // version bumped and updatedAt moved for the updated rows only
  expect(after.slice(0, 3).map((f, i) => f.version - before[i]!.version)).toEqual([1, 1, 1]);
  expect(after[3]!.version).toBe(before[3]!.version);
  expect(after[0]!.updatedAt.getTime()).toBeGreaterThan(before[0]!.updatedAt.getTime());
  expect(after[0]!.name).toBe(before[0]!.name);
});

test("rows carrying a stale version fail with ConcurrencyError naming them, and nothing is written", async () => {
  const current = await functions().findMany({ where: { id: { in: functionIds.slice(3, 6) } }, orderBy: "id" });
  const error = await functions()
    .bulkUpdate([
      { id: current[0]!.id, version: current[0]!.version, runtime: "rust" },
      { id: current[1]!.id, version: current[1]!.version + 7, runtime: "rust" },
      { id: current[2]!.id, version: current[2]!.version - 1, runtime: "rust" },
    ])
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConcurrencyError);
  expect((error as ConcurrencyError).ids).toEqual([current[1]!.id, current[2]!.id]);
  const reread = await functions().getByIdOrFail(current[0]!.id);
  expect(reread.runtime).toBe(current[0]!.runtime);
  expect(reread.version).toBe(current[0]!.version);

  // stale rows in different chunks: all of them are named, and still nothing is written
  const chunked = await functions()
    .bulkUpdate(
      [
        { id: current[1]!.id, version: current[1]!.version + 7, runtime: "rust" },
        { id: current[0]!.id, version: current[0]!.version, runtime: "rust" },
        { id: current[2]!.id, version: current[2]!.version - 1, runtime: "rust" },
      ],
      { chunkSize: 1 },
    )
    .catch((e: unknown) => e);
  expect(chunked).toBeInstanceOf(ConcurrencyError);
  expect((chunked as ConcurrencyError).ids).toEqual([current[1]!.id, current[2]!.id]);
  expect((await functions().getByIdOrFail(current[0]!.id)).version).toBe(current[0]!.version);

  const ok = await functions().bulkUpdate([{ id: current[0]!.id, version: current[0]!.version, runtime: "rust" }]);
  expect(ok.count).toBe(1);
  expect((await functions().getByIdOrFail(current[0]!.id)).version).toBe(current[0]!.version + 1);
});

test("many rows in several chunks, each with its own value", async () => {
  const logs = t.uw.repositories.create(FunctionLog);
  const { ids } = await logs.bulkInsert(logRows(functionIds[0]!, 2_500, "upd"));
  const result = await logs.bulkUpdate(ids!.map((id, i) => ({ id: id as string, message: `updated ${i}`, level: i % 2 ? LogLevel.Warn : undefined })), { chunkSize: 1_000 });
  expect(result.count).toBe(2_500);
  const stored = await t.uw.dataSource.query(`SELECT id::text AS id, message, level FROM function_logs WHERE id = ANY($1::bigint[])`, [ids]);
  const byId = new Map<string, { message: string; level: string }>(stored.map((r: { id: string; message: string; level: string }) => [r.id, r]));
  ids!.forEach((id, i) => {
    expect(byId.get(id as string)).toEqual({ id, message: `updated ${i}`, level: i % 2 ? "warn" : "info" });
  });
});

test("soft-deleted rows are not updated; unknown ids are not counted", async () => {
  const users = t.uw.repositories.create(User);
  const a = await users.create({ email: "soft-a@example.com" });
  const b = await users.create({ email: "soft-b@example.com" });
  await users.softDelete(b.id);
  const result = await users.bulkUpdate([{ id: a.id, isActive: false }, { id: b.id, isActive: false }, { id: 999_999, isActive: false }]);
  expect(result.count).toBe(1);
  expect((await users.getById(b.id, { withDeleted: true }))!.isActive).toBe(true);
});

test("bad input: missing or repeated keys, read-only columns, a violated constraint names its row", async () => {
  await expect(functions().bulkUpdate([{ runtime: "x" }])).rejects.toBeInstanceOf(InvalidQueryError);
  await expect(functions().bulkUpdate([{ id: functionIds[0], runtime: "x" }, { id: functionIds[0], runtime: "y" }])).rejects.toThrow(/rows 0 and 1 have the same id/);
  // a bigint key in two spellings is the same key to PostgreSQL, and so to the check
  const [logId] = (await t.uw.repositories.create(FunctionLog).bulkInsert(logRows(functionIds[0]!, 1, "spelled"))).ids!;
  await expect(t.uw.repositories.create(FunctionLog).bulkUpdate([{ id: String(logId), message: "a" }, { id: `00${String(logId)}`, message: "b" }])).rejects.toThrow(/rows 0 and 1 have the same id/);
  const readOnly = await functions().bulkUpdate([{ id: functionIds[0], createdAt: new Date() }]).catch((e: unknown) => e);
  expect(readOnly).toBeInstanceOf(ValidationError);

  const { ids } = await t.uw.repositories.create(FunctionLog).bulkInsert(logRows(functionIds[1]!, 30, "chk"));
  const rows: { id: string; level: LogLevel }[] = ids!.map((id) => ({ id: id as string, level: LogLevel.Error }));
  rows[17] = { ...rows[17]!, level: "loud" as LogLevel };
  const error = await t.uw.repositories.create(FunctionLog).bulkUpdate(rows, { validate: false }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CheckViolationError);
  expect((error as CheckViolationError).rowIndex).toBe(17);
  const levels = await t.uw.dataSource.query(`SELECT DISTINCT level FROM function_logs WHERE id = ANY($1::bigint[])`, [ids]);
  expect(levels).toEqual([{ level: "info" }]);
});

test("a server failure of chunk n is the error reported, and a refused row of a later chunk is refused before any chunk is sent; nothing written", async () => {
  const logs = t.uw.repositories.create(FunctionLog);
  const { ids } = await logs.bulkInsert(logRows(functionIds[2]!, 3_000, "pipelined"));
  const rows: Record<string, unknown>[] = ids!.map((id, i) => ({ id, message: `pipelined v2 ${i}` }));
  rows[1_500] = { ...rows[1_500], level: "loud" }; // chunk 2 (rows 1,000-1,999): a check violation on the server
  const error = await logs.bulkUpdate(rows as never, { chunkSize: 1_000, validate: false }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CheckViolationError);
  expect((error as CheckViolationError).rowIndex).toBe(1_500);
  const changed = await t.uw.dataSource.query(`SELECT count(*)::int AS n FROM function_logs WHERE id = ANY($1::bigint[]) AND message LIKE 'pipelined v2 %'`, [ids]);
  expect(changed).toEqual([{ n: 0 }]);

  // an unknown key in chunk 3 is refused before chunk 1 is sent, naming its row
  delete rows[1_500]!.level;
  rows[2_100] = { ...rows[2_100], colour: "red" };
  const { result: refused, statements } = await captureStatements(t.uw.dataSource, () => logs.bulkUpdate(rows as never, { chunkSize: 1_000 }).catch((e: unknown) => e));
  expect(refused).toBeInstanceOf(ValidationError);
  expect((refused as ValidationError).issues[0]).toMatchObject({ row: 2_100, property: "colour" });
  expect(statements.filter((sql) => /^UPDATE/.test(sql))).toEqual([]);
});
