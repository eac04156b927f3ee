import { FunctionDeployment, FunctionEntity, User } from "../../examples/domain";
import { InvalidQueryError, type AsyncBaseRepository } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { names, seed } from "./fixtures";

let t: TestUnitwork;
let fns: AsyncBaseRepository<FunctionEntity>;
beforeAll(async () => {
  t = await openTestUnitwork({ repositories: { maxPageSize: 50, maxOffset: 100 } });
  await seed(t.uw);
  fns = t.uw.repositories.create(FunctionEntity);
});
afterAll(() => t.close());

describe("Sort", () => {
  test("string form: '-' for descending, several keys", async () => {
    expect(names(await fns.findMany({ orderBy: "-runtime,name" }))).toEqual(["delta_1", "alpha", "epsilon", "zeta", "beta", "gamma"]);
    expect(names(await fns.findMany({ orderBy: "+status, -name" }))).toEqual(["zeta", "gamma", "alpha", "beta", "epsilon", "delta_1"]);
  });

  test("object form, relation fields and NULLS placement", async () => {
    expect(names(await fns.findMany({ orderBy: { runtime: "DESC", name: "asc" } }))).toEqual(["delta_1", "alpha", "epsilon", "zeta", "beta", "gamma"]);
    expect(names(await fns.findMany({ orderBy: { user: { email: "DESC" }, name: "ASC" } }))).toEqual(["zeta", "epsilon", "delta_1", "gamma", "alpha", "beta"]);
    expect(names(await fns.findMany({ orderBy: "organization.name,-name" }))).toEqual(["epsilon", "alpha", "zeta", "gamma", "delta_1", "beta"]);
    expect(names(await fns.findMany({ orderBy: { organizationId: { direction: "ASC", nulls: "first" }, name: "ASC" } }))).toEqual(["beta", "delta_1", "gamma", "zeta", "alpha", "epsilon"]);
    const deps = t.uw.repositories.create(FunctionDeployment);
    const tags = (await deps.findMany({ orderBy: { function: { user: { email: "ASC" } }, imageTag: "DESC" } })).map((d) => d.imageTag);
    expect(tags).toEqual(["beta:v1", "alpha:v3", "alpha:v2", "alpha:v1", "gamma:v2", "gamma:v1", "epsilon:v1"]);
  });

  test("a soft-deleted related row sorts as no row (NULL), as it filters and loads; withDeleted sorts by it", async () => {
    const byEmail = { user: { email: "ASC" as const }, name: "ASC" as const };
    // zeta's user is soft-deleted in the fixture: its NULL email sorts last
    expect(names(await fns.findMany({ orderBy: byEmail }))).toEqual(["alpha", "beta", "delta_1", "gamma", "epsilon", "zeta"]);
    await expect(
      t.uw.unitOfWork.run(async (ctx) => {
        const functions = ctx.repository(FunctionEntity);
        const [first] = await functions.findMany({ orderBy: byEmail, limit: 1 });
        await ctx.repository(User).softDelete(first!.userId);
        // alpha and beta's user is now deleted too: they join zeta among the NULLs, in name order
        expect(names(await functions.findMany({ orderBy: byEmail }))).toEqual(["delta_1", "gamma", "epsilon", "alpha", "beta", "zeta"]);
        const withDeleted = names(await functions.findMany({ orderBy: byEmail, withDeleted: true }));
        expect(withDeleted.slice(0, 2)).toEqual(["alpha", "beta"]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
  });

  test("the primary key makes the order stable", async () => {
    expect((await fns.findMany({ orderBy: "runtime" })).map((f) => f.id)).toEqual([2, 3, 1, 5, 6, 4]);
  });

  test.each<[string, unknown, RegExp]>([
    ["unknown key", "nope", /unknown sort field "nope" on FunctionEntity \(allowed: id, uuid/],
    ["json column", "analysisResult", /unknown sort field "analysisResult"/],
    ["to-many relation", "deployments.version", /deployments is a to-many relation/],
    ["SQL", "name; drop table users", /unknown sort field/],
    ["bad direction", { name: "sideways" }, /must be "ASC" or "DESC"/],
    ["bad nulls", { name: { direction: "ASC", nulls: "middle" } }, /nulls must be "first" or "last"/],
    ["twice", "name,-name", /names "name" twice/],
    ["empty key", "name,,id", /has an empty key/],
    ["number", 1, /orderBy must be a string or an object/],
    ["__proto__", JSON.parse('{"__proto__":"ASC"}'), /unknown sort field "__proto__"/],
  ])("refuses %s", async (_label, orderBy, message) => {
    await expect(fns.findMany({ orderBy: orderBy as never })).rejects.toThrow(InvalidQueryError);
    await expect(fns.findMany({ orderBy: orderBy as never })).rejects.toThrow(message);
  });
});

describe("paginate", () => {
  test("count: exact", async () => {
    const page = await fns.paginate({ page: 2, pageSize: 4, orderBy: "name" });
    expect(names(page.items)).toEqual(["gamma", "zeta"]);
    expect({ ...page, items: undefined }).toEqual({ items: undefined, total: 6, page: 2, pageSize: 4, totalPages: 2, hasNext: false, hasPrevious: true });
    const empty = await fns.paginate({ page: 9, pageSize: 4 });
    expect(empty.items).toEqual([]);
    expect(empty.total).toBe(6);
  });

  test("count: none fetches one extra row for hasNext", async () => {
    const first = await fns.paginate({ page: 1, pageSize: 3, orderBy: "name", count: "none" });
    expect(names(first.items)).toEqual(["alpha", "beta", "delta_1"]);
    expect(first).toMatchObject({ total: null, totalPages: null, hasNext: true, hasPrevious: false });
    const last = await fns.paginate({ page: 2, pageSize: 3, orderBy: "name", count: "none" });
    expect(last).toMatchObject({ hasNext: false, hasPrevious: true });
    expect(last.items).toHaveLength(3);
  });

  test.each(["join", "query"] as const)("to-many relations (%s): total counts roots, pages hold pageSize roots", async (relationStrategy) => {
    const page = await fns.paginate({ page: 1, pageSize: 2, where: { deployments: {} }, orderBy: "name", relations: { deployments: true }, relationStrategy });
    expect(page.total).toBe(4);
    expect(page.totalPages).toBe(2);
    expect(names(page.items)).toEqual(["alpha", "beta"]);
    expect(page.items[0]!.deployments).toHaveLength(3);
    expect(page.items[1]!.deployments).toHaveLength(1);
    const users = t.uw.repositories.create(User);
    const nested = await users.paginate({ page: 1, pageSize: 2, orderBy: "email", relations: { functions: { deployments: true } }, relationStrategy });
    expect(nested.total).toBe(3);
    expect(nested.items.map((u) => u.email)).toEqual(["ada@acme.co", "bob@acme.co"]);
    expect(nested.items[0]!.functions!.map((f) => f.deployments!.length).sort()).toEqual([1, 3]);
    expect(nested.items[1]!.functions!.map((f) => f.name).sort()).toEqual(["delta_1", "gamma"]);
  });

  test.each<[string, object, RegExp]>([
    ["pageSize above maxPageSize", { page: 1, pageSize: 51 }, /pageSize 51 is above the maximum page size of 50/],
    ["offset above maxOffset", { page: 4, pageSize: 50 }, /offset 150, above the maximum offset of 100/],
    ["page 0", { page: 0, pageSize: 10 }, /page must be an integer of at least 1/],
    ["negative page", { page: -1, pageSize: 10 }, /page must be an integer/],
    ["NaN pageSize", { page: 1, pageSize: Number.NaN }, /pageSize must be an integer/],
    ["string page", { page: "2", pageSize: 10 }, /page must be an integer/],
    ["bad count", { page: 1, pageSize: 10, count: "estimate" }, /count must be "exact" or "none"/],
  ])("refuses %s", async (_label, options, message) => {
    await expect(fns.paginate(options as never)).rejects.toThrow(InvalidQueryError);
    await expect(fns.paginate(options as never)).rejects.toThrow(message);
  });

  test("findMany limit / offset are checked against the same limits", async () => {
    expect(names(await fns.findMany({ orderBy: "name", limit: 2, offset: 1 }))).toEqual(["beta", "delta_1"]);
    await expect(fns.findMany({ limit: 51 })).rejects.toThrow(/limit 51 is above the maximum page size/);
    await expect(fns.findMany({ offset: 101 })).rejects.toThrow(/offset 101 is above the maximum offset/);
    await expect(fns.findMany({ limit: 0 })).rejects.toThrow(/limit must be an integer of at least 1/);
  });
});
