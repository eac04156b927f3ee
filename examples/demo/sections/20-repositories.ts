import { FunctionDeployment, FunctionEntity, User } from "../../domain";
import { InvalidQueryError, parseListQuery } from "../../../src";
import type { TourSection } from "../tour-kit";

/**
 * Repositories: a filtered, sorted, paginated listing with eager loading, a keyset walk, and a
 * hostile query refused before any SQL. Creates its own data (users demo-*@tour.dev).
 */
const section: TourSection = async (tour) => {
  const { uw } = tour;
  tour.heading("Repositories: filters, sorting, pagination, eager loading");

  await uw.unitOfWork.run(async (ctx) => {
    const users = ctx.repository(User);
    const fns = ctx.repository(FunctionEntity);
    const deps = ctx.repository(FunctionDeployment);
    const owners = [await users.create({ email: "demo-ada@tour.dev" }), await users.create({ email: "demo-bob@tour.dev" })];
    for (let i = 1; i <= 12; i++) {
      const fn = await fns.create({ userId: owners[i % 2]!.id, name: `demo-fn-${String(i).padStart(2, "0")}`, status: i % 3 === 0 ? "failed" : "active", runtime: i % 2 ? "node" : "dart" });
      for (let v = 1; v <= (i % 4) + 1; v++) await deps.create({ functionId: fn.id, version: v, imageTag: `demo-fn-${i}:v${v}`, isActive: v === (i % 4) + 1 });
    }
  });
  tour.say("created 2 users, 12 functions and their deployments");

  const fns = uw.repositories.create(FunctionEntity);
  const where = { name: { startsWith: "demo-fn-" }, status: "active" as const, user: { email: { ilike: "demo-%@tour.dev" } } };
  const page = await fns.paginate({ page: 2, pageSize: 3, where, orderBy: "-runtime,name", relations: { user: true, deployments: true } });
  tour.show("paginate(page 2 of active demo functions, 3 per page, -runtime,name, with user + deployments)", {
    total: page.total,
    totalPages: page.totalPages,
    hasNext: page.hasNext,
    items: page.items.map((f) => `${f.name} (${f.runtime}) by ${f.user!.email}: ${f.deployments!.length} deployment(s)`),
  });
  tour.say(`total counts functions, not joined deployment rows: ${page.total} = ${await fns.count(where)} from count(where)`);

  const query = parseListQuery(
    { "filter[runtime]": "node", "filter[deployments.version][gte]": "3", sort: "-name", pageSize: "4" },
    { filterable: ["runtime", "deployments.version"], sortable: ["name"], maxPageSize: 50 },
  );
  const fromHttp = await fns.paginate({ ...query, where: { ...query.where, name: { startsWith: "demo-fn-" } } });
  tour.show("?filter[runtime]=node&filter[deployments.version][gte]=3&sort=-name (functions with some deployment v3+)", fromHttp.items.map((f) => f.name));

  const names: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const cursorPage = await fns.paginateByCursor({ first: 5, after, where: { name: { startsWith: "demo-fn-" } }, orderBy: "-createdAt" });
    names.push(...cursorPage.items.map((f) => f.name));
    after = cursorPage.pageInfo.hasNextPage ? cursorPage.pageInfo.endCursor : null;
    pages++;
  } while (after);
  tour.say(`paginateByCursor walked ${names.length} functions in ${pages} pages of 5 (signed cursors, primary key tie-breaker)`);

  try {
    await fns.findMany({ where: JSON.parse('{"name; drop table users": "x"}') });
  } catch (error) {
    if (!(error instanceof InvalidQueryError)) throw error;
    tour.say(`hostile filter refused before any SQL: ${error.message.slice(0, 90)}…`);
  }
};

export default section;
