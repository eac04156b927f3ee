import { FunctionLog, LogLevel } from "../../examples/domain";
import { NoActiveUnitOfWorkError, ValidationError } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { logRows, seedFunctions } from "./fixtures";

let t: TestUnitwork;
let functionId: number;
beforeAll(async () => {
  t = await openTestUnitwork({ strict: true });
  functionId = (await seedFunctions(t)).functionIds[0]!;
});
afterAll(() => t.close());

const countTagged = async (tag: string) =>
  Number((await t.uw.dataSource.query(`SELECT count(*) AS n FROM function_logs WHERE message LIKE $1`, [`${tag} %`]))[0].n);

test("strict mode: a bulk write outside a unit of work throws before any SQL", async () => {
  await expect(t.uw.repositories.create(FunctionLog).bulkInsert(logRows(functionId, 3, "strict"))).rejects.toBeInstanceOf(NoActiveUnitOfWorkError);
  await expect(t.uw.repositories.create(FunctionLog).bulkDelete(["1"])).rejects.toBeInstanceOf(NoActiveUnitOfWorkError);
  expect(await countTagged("strict")).toBe(0);
});

test("bulk calls join the unit of work: visible inside it, committed with it", async () => {
  await t.uw.unitOfWork.run(async (ctx) => {
    const logs = ctx.repository(FunctionLog);
    const { ids } = await logs.bulkInsert(logRows(functionId, 1_500, "joined"));
    expect(await logs.count({ message: { startsWith: "joined " } })).toBe(1_500);
    expect(await logs.bulkUpdate(ids!.slice(0, 10).map((id) => ({ id: id as string, level: LogLevel.Warn })))).toEqual({ count: 10 });
    expect(await logs.bulkDelete(ids!.slice(10, 20))).toEqual({ count: 10 });
  });
  expect(await countTagged("joined")).toBe(1_490);
});

test("validate: true checks each chunk of an iterable before writing it; nothing stays written", async () => {
  function* rows() {
    for (let i = 0; i < 2_500; i++) yield { functionId, level: i === 2_100 ? ("shout" as LogLevel) : LogLevel.Info, message: `iter ${i}` };
  }
  const error = await t.uw.unitOfWork.run((ctx) => ctx.repository(FunctionLog).bulkInsert(rows(), { validate: true, chunkSize: 1_000 })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues).toEqual([expect.objectContaining({ row: 2_100, property: "level" })]);
  expect(await countTagged("iter")).toBe(0);
});

test("bad options are refused with a clear error", async () => {
  await t.uw.unitOfWork.run(async (ctx) => {
    const logs = ctx.repository(FunctionLog);
    await expect(logs.bulkInsert(logRows(functionId, 1, "opt"), { chunkSize: 0 })).rejects.toThrow(/chunkSize must be a positive integer/);
    await expect(logs.bulkInsert(logRows(functionId, 1, "opt"), { strategy: "magic" as never })).rejects.toThrow(/strategy must be/);
    await expect(logs.bulkInsert(42 as never)).rejects.toThrow(/rows must be an array, an Iterable or an AsyncIterable/);
  });
});
