import { FunctionEntity, User } from "../../examples/domain";
import { IllegalTransactionStateError, InvalidQueryError, type AsyncBaseRepository } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed } from "./fixtures";
import { captureStatements } from "./statements";

let t: TestUnitwork;
let users: AsyncBaseRepository<User>;
let fns: AsyncBaseRepository<FunctionEntity>;
beforeAll(async () => {
  t = await openTestUnitwork();
  await seed(t.uw);
  users = t.uw.repositories.create(User);
  fns = t.uw.repositories.create(FunctionEntity);
});
afterAll(() => t.close());

const selects = (statements: string[]) => statements.filter((s) => /^\s*SELECT/i.test(s));

/** A comparable picture of users with functions and deployments. */
const shape = (list: User[]) =>
  list.map((u) => ({
    email: u.email,
    info: u.information?.firstName ?? null,
    functions: [...(u.functions ?? [])].sort((a, b) => a.id - b.id).map((f) => ({ name: f.name, tags: (f.deployments ?? []).map((d) => d.imageTag).sort() })),
  }));

describe("eager loading", () => {
  test("join and query strategies load the same nested graph", async () => {
    const relations = { information: true, functions: { deployments: true } } as const;
    const joined = await users.findMany({ orderBy: "email", relations, relationStrategy: "join" });
    const queried = await users.findMany({ orderBy: "email", relations, relationStrategy: "query" });
    expect(shape(joined)).toEqual(shape(queried));
    expect(shape(queried)).toEqual([
      { email: "ada@acme.co", info: "Ada", functions: [{ name: "alpha", tags: ["alpha:v1", "alpha:v2", "alpha:v3"] }, { name: "beta", tags: ["beta:v1"] }] },
      { email: "bob@acme.co", info: null, functions: [{ name: "gamma", tags: ["gamma:v1", "gamma:v2"] }, { name: "delta_1", tags: [] }] },
      { email: "cy_100%@other.io", info: null, functions: [{ name: "epsilon", tags: ["epsilon:v1"] }] },
    ]);
  });

  test("query strategy: one statement for the roots plus one per relation level", async () => {
    const { statements } = await captureStatements(t.uw.dataSource, () =>
      users.findMany({ relations: { information: true, functions: { deployments: true, user: true } }, relationStrategy: "query" }));
    expect(selects(statements)).toHaveLength(5); // users, information, functions, deployments, functions.user
  });

  test("join strategy: one statement for to-one relations, limits count roots", async () => {
    const { result, statements } = await captureStatements(t.uw.dataSource, () =>
      fns.findMany({ relations: ["user", "organization", "user.information"], orderBy: "name", limit: 2 }));
    expect(selects(statements)).toHaveLength(1);
    expect(result.map((f) => [f.name, f.user!.email, f.organization?.name ?? null, f.user!.information?.country ?? null])).toEqual([
      ["alpha", "ada@acme.co", "Acme", "UK"],
      ["beta", "ada@acme.co", null, "UK"],
    ]);
    const withMany = await fns.findMany({ relations: { deployments: true }, relationStrategy: "join", orderBy: "name", limit: 2 });
    expect(withMany.map((f) => f.deployments!.length)).toEqual([3, 1]);
  });

  test.each(["join", "query"] as const)("soft-deleted related rows are not loaded unless withDeleted (%s)", async (relationStrategy) => {
    const [zeta] = await fns.findMany({ where: { name: "zeta" }, relations: { user: true }, relationStrategy });
    expect(zeta!.user).toBeNull();
    const [withDeleted] = await fns.findMany({ where: { name: "zeta" }, relations: { user: true }, relationStrategy, withDeleted: true });
    expect(withDeleted!.user!.email).toBe("gone@acme.co");
  });

  test("loadRelations fills many parents with one statement per level (no N+1)", async () => {
    const list = await fns.findMany({ orderBy: "name" });
    const { statements } = await captureStatements(t.uw.dataSource, () => fns.loadRelations(list, { deployments: true, user: { information: true } }));
    expect(selects(statements)).toHaveLength(3);
    expect(list.map((f) => f.deployments!.length)).toEqual([3, 1, 0, 1, 2, 0]);
    expect(list.map((f) => f.user?.email ?? null)).toEqual(["ada@acme.co", "ada@acme.co", "bob@acme.co", "cy_100%@other.io", "bob@acme.co", null]);
    expect(list[0]!.user!.information!.lastName).toBe("Lovelace");
    const withDeleted = await fns.loadRelations(list.slice(5), { user: true }, { withDeleted: true });
    expect(withDeleted[0]!.user!.email).toBe("gone@acme.co");
    expect(await fns.loadRelations([], { user: true })).toEqual([]);
  });

  test("the analyzer sees no N+1 in eager loading, loadRelations or a cursor walk", async () => {
    const { report } = await t.uw.analyzer.scope("eager loading", async () => {
      await users.findMany({ relations: { functions: { deployments: true } }, relationStrategy: "query" });
      const list = await fns.findMany({});
      await fns.loadRelations(list, { deployments: true, user: true });
      let after: string | null = null;
      do {
        const page = await fns.paginateByCursor({ first: 2, after, relations: { deployments: true } });
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      await fns.paginate({ page: 1, pageSize: 2, relations: { deployments: true } });
    });
    expect(report.queryCount).toBeGreaterThan(10);
    expect(report.findings.filter((f) => f.kind === "n+1")).toEqual([]);
  });

  test("getById with relations, withDeleted, and a row lock inside a unit of work", async () => {
    const ada = await users.getByIdOrFail(1, { relations: { functions: true, information: true } });
    expect(ada.functions!.map((f) => f.name).sort()).toEqual(["alpha", "beta"]);
    expect(await users.getById(4)).toBeNull();
    expect((await users.getById(4, { withDeleted: true }))?.email).toBe("gone@acme.co");
    await expect(users.getById(1, { lock: "pessimistic_write" })).rejects.toThrow(IllegalTransactionStateError);
    const { statements } = await captureStatements(t.uw.dataSource, () =>
      t.uw.unitOfWork.run(async (ctx) => {
        const locked = await ctx.repository(FunctionEntity).getByIdOrFail(1, { lock: "pessimistic_write", relations: { user: true } });
        expect(locked.user!.email).toBe("ada@acme.co");
      }));
    expect(statements.some((s) => / FOR UPDATE OF "?e"?$/.test(s))).toBe(true);
  });

  test("relations are checked", async () => {
    await expect(fns.findMany({ relations: { nope: true } as never })).rejects.toThrow(/unknown relation "nope" on FunctionEntity \(allowed: user, organization/);
    await expect(fns.findMany({ relations: ["user.nope"] as never })).rejects.toThrow(/unknown relation "nope" on User/);
    await expect(fns.findMany({ relations: { user: "yes" } as never })).rejects.toThrow(/relations.user must be true or an object/);
    await expect(fns.findMany({ relations: { user: true }, relationStrategy: "lazy" as never })).rejects.toThrow(InvalidQueryError);
    await expect(fns.loadRelations([], JSON.parse('{"__proto__": true}'))).rejects.toThrow(/unknown relation "__proto__"/);
  });
});
