import { FunctionEntity, FunctionLog, FunctionStatus, Organization, User } from "../../examples/domain";
import { InvalidQueryError } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { logRows, seedFunctions } from "./fixtures";

let t: TestUnitwork;
let userId: number;
beforeAll(async () => {
  t = await openTestUnitwork();
  ({ userId } = await seedFunctions(t, 0));
});
afterAll(() => t.close());

const functions = () => t.uw.repositories.create(FunctionEntity);

describe("bulkUpsert", () => {
  test("reports exactly how many rows were inserted and how many updated", async () => {
    await functions().bulkInsert(Array.from({ length: 1_500 }, (_, i) => ({ userId, name: `up-${i}`, runtime: "old" })));
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ userId, name: `up-${i}`, runtime: "new", status: FunctionStatus.Active }));
    const result = await functions().bulkUpsert(rows, { conflictPaths: ["userId", "name"], chunkSize: 1_000 });
    expect(result).toEqual({ inserted: 1_500, updated: 1_500 });
    const stored = await t.uw.dataSource.query(`SELECT runtime, status::text AS status, min(version) AS lo, max(version) AS hi, count(*)::int AS n FROM functions WHERE name LIKE 'up-%' GROUP BY 1, 2`);
    expect(stored).toEqual([{ runtime: "new", status: "active", lo: 1, hi: 2, n: 3_000 }]);
  });

  test("updateColumns limits what an existing row gets; [] means DO NOTHING", async () => {
    const rows = [{ userId, name: "up-0", runtime: "third", status: FunctionStatus.Failed }, { userId, name: "fresh", runtime: "third" }];
    expect(await functions().bulkUpsert(rows, { conflictPaths: ["userId", "name"], updateColumns: ["runtime"] })).toEqual({ inserted: 1, updated: 1 });
    const up0 = (await functions().findFirst({ where: { name: "up-0" } }))!;
    expect([up0.runtime, up0.status]).toEqual(["third", FunctionStatus.Active]);
    expect(await functions().bulkUpsert([{ userId, name: "up-0", runtime: "fourth" }], { conflictPaths: ["userId", "name"], updateColumns: [] })).toEqual({ inserted: 0, updated: 0 });
    expect((await functions().findFirst({ where: { name: "up-0" } }))!.runtime).toBe("third");
  });

  test("rows that set different columns: a left-out column keeps its value on update and gets its default on insert", async () => {
    const result = await functions().bulkUpsert(
      [{ userId, name: "up-1", status: FunctionStatus.Building }, { userId, name: "mixed-new" }, { userId, name: "up-2", runtime: "zig" }],
      { conflictPaths: ["userId", "name"] },
    );
    expect(result).toEqual({ inserted: 1, updated: 2 });
    const [up1, fresh, up2] = await Promise.all(["up-1", "mixed-new", "up-2"].map((name) => functions().findFirst({ where: { name } })));
    expect([up1!.status, up1!.runtime]).toEqual([FunctionStatus.Building, "new"]);
    expect([fresh!.status, fresh!.runtime]).toEqual([FunctionStatus.Inactive, "dart"]);
    expect([up2!.status, up2!.runtime]).toEqual([FunctionStatus.Active, "zig"]);
  });

  test("conflict paths are checked: generated keys, non-unique columns, missing or repeated keys", async () => {
    const generated = await functions().bulkUpsert([{ userId, name: "x" }], { conflictPaths: ["id"] }).catch((e: unknown) => e);
    expect(generated).toBeInstanceOf(InvalidQueryError);
    expect((generated as Error).message).toMatch(/generated key/);
    await expect(functions().bulkUpsert([{ userId, name: "x" }], { conflictPaths: ["name"] })).rejects.toThrow(/not a unique key/);
    await expect(functions().bulkUpsert([{ userId, name: "x" }, { userId, runtime: "y" }], { conflictPaths: ["userId", "name"] })).rejects.toThrow(/row 1 leaves the conflict path name unset/);
    await expect(functions().bulkUpsert([{ userId, name: "x" }, { userId, name: "x" }], { conflictPaths: ["userId", "name"] })).rejects.toThrow(/rows 0 and 1 have the same conflict key/);
    const organizations = t.uw.repositories.create(Organization);
    expect(await organizations.bulkUpsert([{ name: "Acme", ownerId: userId }], { conflictPaths: ["name"] })).toEqual({ inserted: 1, updated: 0 });
    expect(await organizations.bulkUpsert([{ name: "Acme", ownerId: userId }], { conflictPaths: ["name"] })).toEqual({ inserted: 0, updated: 1 });
  });
});

describe("bulkDelete, bulkSoftDelete, bulkRestore", () => {
  test("by ids and by a checked filter", async () => {
    const { functionIds } = await seedFunctions(t, 2, "deleter@example.com");
    const logs = t.uw.repositories.create(FunctionLog);
    const { ids } = await logs.bulkInsert([...logRows(functionIds[0]!, 30, "keep"), ...logRows(functionIds[1]!, 20, "drop")]);
    expect(await logs.bulkDelete(ids!.slice(0, 10))).toEqual({ count: 10 });
    expect(await logs.bulkDelete({ functionId: functionIds[1]!, message: { startsWith: "drop 1" } })).toEqual({ count: 11 });
    expect(await logs.count({ functionId: { in: functionIds } })).toBe(29);
    await expect(logs.bulkDelete({})).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(logs.bulkDelete({ colour: "red" } as never)).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(logs.bulkDelete(["not-a-number"])).rejects.toBeInstanceOf(InvalidQueryError);
  });

  test("soft delete and restore set the delete date, bump the version, and count only rows that changed", async () => {
    const users = t.uw.repositories.create(User);
    const { ids } = await users.bulkInsert(Array.from({ length: 5 }, (_, i) => ({ email: `soft${i}@example.com` })));
    expect(await users.bulkSoftDelete(ids!.slice(0, 3))).toEqual({ count: 3 });
    expect(await users.bulkSoftDelete(ids!.slice(0, 3))).toEqual({ count: 0 });
    expect(await users.count({ email: { startsWith: "soft" } })).toBe(2);
    const deleted = await users.getById(ids![0]!, { withDeleted: true });
    expect(deleted!.deletedAt).toBeInstanceOf(Date);
    expect(deleted!.version).toBe(2);
    expect(await users.bulkRestore({ email: { in: ["soft0@example.com", "soft1@example.com", "soft4@example.com"] } })).toEqual({ count: 2 });
    expect(await users.count({ email: { startsWith: "soft" } })).toBe(4);
    await expect(t.uw.repositories.create(FunctionLog).bulkSoftDelete(["1"])).rejects.toThrow(/no @DeleteDateColumn/);
  });
});
