import { FunctionEntity } from "../../examples/domain";
import type { AsyncBaseRepository, Filter } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { names, seed } from "./fixtures";

let t: TestUnitwork;
let fns: AsyncBaseRepository<FunctionEntity>;
beforeAll(async () => {
  t = await openTestUnitwork();
  await seed(t.uw);
  fns = t.uw.repositories.create(FunctionEntity);
});
afterAll(() => t.close());

/**
 * A filter whose every check and coercion is observable: the compiler reads each field's value once
 * per compilation, so `reads` counts how often the call compiled (and coerced) the filter.
 */
function observedFilter(): { where: Filter<FunctionEntity>; reads: () => number } {
  let reads = 0;
  const where = {
    get runtime() {
      reads++;
      return { in: ["node", "dart"] };
    },
  } as Filter<FunctionEntity>;
  return { where, reads: () => reads };
}

describe("a filter is checked, compiled and its values coerced once per call", () => {
  test.each<[string, (where: Filter<FunctionEntity>) => Promise<unknown>, unknown]>([
    ["paginate with its count", (where) => fns.paginate({ page: 1, pageSize: 2, where, orderBy: "name" }).then((p) => [p.total, names(p.items)]), [5, ["alpha", "beta"]]],
    ["paginate without a count", (where) => fns.paginate({ page: 2, pageSize: 2, where, orderBy: "name", count: "none" }).then((p) => [p.hasNext, names(p.items)]), [true, ["epsilon", "gamma"]]],
    ["paginate with relations", (where) => fns.paginate({ page: 1, pageSize: 5, where, orderBy: "name", relations: { deployments: true } }).then((p) => p.items.map((f) => f.deployments!.length)), [3, 1, 1, 2, 0]],
    ["paginateByCursor", (where) => fns.paginateByCursor({ first: 2, where, orderBy: "name" }).then((p) => names(p.items)), ["alpha", "beta"]],
    ["findMany", (where) => fns.findMany({ where, orderBy: "name" }).then(names), ["alpha", "beta", "epsilon", "gamma", "zeta"]],
    ["findFirst", (where) => fns.findFirst({ where, orderBy: "-name" }).then((f) => f!.name), "zeta"],
    ["count", (where) => fns.count(where), 5],
    ["exists", (where) => fns.exists(where), true],
  ])("%s", async (_name, call, expected) => {
    const { where, reads } = observedFilter();
    expect(await call(where)).toEqual(expected);
    expect(reads()).toBe(1);
  });

  test("bulkSoftDelete and bulkRestore by filter", async () => {
    await t.uw.unitOfWork.run(async () => {
      const removed = observedFilter();
      expect(await fns.bulkSoftDelete(removed.where)).toEqual({ count: 5 });
      expect(removed.reads()).toBe(1);
      const restored = observedFilter();
      expect(await fns.bulkRestore(restored.where)).toEqual({ count: 5 });
      expect(restored.reads()).toBe(1);
    });
  });

  test("bulkDelete by filter", async () => {
    const { where, reads } = observedFilter();
    await expect(t.uw.unitOfWork.run(async () => {
      expect(await fns.bulkDelete(where)).toEqual({ count: 5 });
      throw new Error("roll back");
    })).rejects.toThrow("roll back");
    expect(reads()).toBe(1);
    expect(await fns.count()).toBe(6);
  });
});
