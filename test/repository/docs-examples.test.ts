import { FunctionEntity, User } from "../../examples/domain";
import { AsyncBaseRepository, ConcurrencyError, InvalidQueryError, UniqueViolationError, parseListQuery } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed } from "./fixtures";

/** The examples of docs/repositories.md, run as written (on the test fixture). */
let t: TestUnitwork;
beforeAll(async () => {
  t = await openTestUnitwork({ repositories: { maxPageSize: 1000, maxOffset: 100_000, cursorSecret: "docs" } });
  await seed(t.uw);
});
afterAll(() => t.close());

test("reading, filters and sorts", async () => {
  const { uw } = t;
  const users = uw.repositories.create(User);
  const fns = uw.repositories.create(FunctionEntity);
  const active = await fns.findMany({
    where: { status: "active", user: { email: { ilike: "%@acme.co" } } },
    orderBy: "-createdAt,name",
    relations: { user: true, deployments: true },
    limit: 50,
    offset: 0,
  });
  expect(active.map((f) => f.name)).toEqual(["alpha", "gamma"]);
  expect(await fns.findFirst({ where: { runtime: "node" }, orderBy: "-createdAt" })).not.toBeNull();
  expect(await fns.count({ status: { in: ["failed", "building"] } })).toBe(2);
  expect(await fns.exists({ deployments: { status: "failed" } })).toBe(true);
  const mixed = await fns.findMany({
    where: {
      or: [{ status: "failed" }, { runtime: "dart", not: { status: "inactive" } }],
      createdAt: { gte: new Date("2025-01-01") },
      analysisResult: { eq: { score: 2 } },
      deployments: { isActive: true, version: { gte: 2 } },
      organization: null,
    },
  });
  expect(mixed.map((f) => f.name)).toEqual(["gamma"]);
  expect(await users.findMany({ where: { functions: { deployments: { imageTag: { startsWith: "api:" } } } } })).toEqual([]);
  const error = await fns.findMany({ where: JSON.parse('{"name; drop table users": "x"}') }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidQueryError);
  expect((error as InvalidQueryError).key).toBe("name; drop table users");
  for (const orderBy of ["-createdAt,name", "user.email,-createdAt", { status: "ASC", user: { email: "DESC" } }, { organizationId: { direction: "ASC", nulls: "first" } }] as const) {
    expect(await fns.findMany({ orderBy })).toHaveLength(6);
  }
});

test("pagination, cursors and eager loading", async () => {
  const fns = t.uw.repositories.create(FunctionEntity);
  const users = t.uw.repositories.create(User);
  const page = await fns.paginate({ page: 2, pageSize: 2, where: { status: "active" }, orderBy: "-createdAt", relations: { deployments: true }, count: "exact" });
  expect(page).toMatchObject({ total: 3, page: 2, pageSize: 2, totalPages: 2, hasNext: false, hasPrevious: true });
  const seen: string[] = [];
  let after: string | null = null;
  do {
    const cursorPage = await fns.paginateByCursor({ first: 1, after, where: { status: "active" }, orderBy: "-createdAt" });
    for (const fn of cursorPage.items) seen.push(fn.name);
    after = cursorPage.pageInfo.hasNextPage ? cursorPage.pageInfo.endCursor : null;
  } while (after);
  expect(seen.sort()).toEqual(["alpha", "gamma", "zeta"]);
  expect((await users.findMany({ relations: { information: true, functions: { deployments: true } } })).length).toBe(3);
  expect((await fns.findMany({ relations: ["user", "user.information"] }))[0]!.user!.information!.firstName).toBe("Ada");
  expect((await fns.findMany({ relations: { deployments: true }, relationStrategy: "join" })).length).toBe(6);
  const list = await fns.findMany({ where: { status: "active" } });
  await fns.loadRelations(list, { deployments: true, user: { information: true } });
  expect(list[0]!.deployments).toHaveLength(3);
});

test("reading one row and writes", async () => {
  const { uw } = t;
  const users = uw.repositories.create(User);
  const user = await users.getById(1, { relations: { functions: true } });
  expect(user!.functions).toHaveLength(2);
  await users.getByIdOrFail(1);
  expect(await users.getById(4, { withDeleted: true })).not.toBeNull();
  await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionEntity).getByIdOrFail(6, { lock: "pessimistic_write" });
  });
  expect(await users.existsById(1)).toBe(true);
  await users.reload(user!);

  const ada = await users.create({ email: "ada@example.com" });
  expect((await users.update(ada.id, { role: "admin" })).role).toBe("admin");
  expect(await users.softDelete(ada.id)).toBe(true);
  expect(await users.restore(ada.id)).toBe(true);
  expect(await users.delete(ada.id)).toBe(true);

  const a = await users.getByIdOrFail(1);
  const b = await users.getByIdOrFail(1);
  await users.update(a, { isActive: false });
  await expect(users.update(b, { role: "admin" })).rejects.toThrow(ConcurrencyError);
  await users.reload(b);
  await users.update(b, { role: "admin" });

  await users.create({ email: "taken@example.com" });
  const e = await users.create({ email: "taken@example.com" }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(UniqueViolationError);
  expect([(e as UniqueViolationError).constraint, (e as UniqueViolationError).columns]).toEqual(["uq_users_email", ["email"]]);
  await uw.unitOfWork.run(async (ctx) => {
    const repo = ctx.repository(User);
    await repo.create({ email: "first@example.com" });
    try {
      await uw.unitOfWork.run(() => repo.create({ email: "taken@example.com" }), { propagation: "nested" });
    } catch (err) {
      if (!(err instanceof UniqueViolationError)) throw err;
    }
    await repo.create({ email: "second@example.com" });
  });
  expect(await users.count({ email: { in: ["first@example.com", "second@example.com"] } })).toBe(2);
});

test("parseListQuery and a custom repository", async () => {
  const { uw } = t;
  const fns = uw.repositories.create(FunctionEntity);
  const query = { page: "1", pageSize: "20", sort: "-createdAt", filter: { status: "active", createdAt: { gte: "2025-01-01" } } };
  const { where, orderBy, page, pageSize } = parseListQuery(query, {
    filterable: { status: "string", createdAt: "date", "user.email": "string", durationMs: { type: "integer", operators: ["gte", "lte"] } },
    sortable: ["createdAt", "name"],
    maxPageSize: 100,
    defaultPageSize: 20,
    defaultSort: "-createdAt",
  });
  expect((await fns.paginate({ where, orderBy, page, pageSize })).total).toBe(3);

  class FunctionRepository extends AsyncBaseRepository<FunctionEntity> {
    listActive(p: number) {
      return this.paginate({ page: p, pageSize: 20, where: { status: "active" }, orderBy: "-createdAt" });
    }
  }
  uw.repositories.register(FunctionEntity, FunctionRepository);
  // (cast: RepositoryFactory.create picks its EntityTarget overload for classes under tsc 7, see report)
  expect((await uw.repositories.create(FunctionRepository).listActive(1)).total).toBe(3);
});
