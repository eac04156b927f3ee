import { FunctionEntity, FunctionInvocation, User } from "../../examples/domain";
import { InvalidConfigError, InvalidQueryError, parseListQuery } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/** The mark parseListQuery puts on its `where` (text values are converted with the column types). */
const mark = { [Symbol.for("unitwork.fromQueryString")]: true };

describe("parseListQuery", () => {
  const options = {
    filterable: { status: "string", createdAt: "date", durationMs: "integer", coldStart: "boolean", "function.name": "string", uuid: { type: "uuid", operators: ["eq"] } },
    sortable: ["createdAt", "durationMs", "function.name"],
    maxPageSize: 50,
  } as const;

  test("qs-style nested input: coercion of numbers, booleans and dates", () => {
    const parsed = parseListQuery(
      { page: "2", pageSize: "20", sort: "-createdAt,durationMs", filter: { status: "error", createdAt: { gte: "2025-01-01" }, durationMs: { between: "10,200" }, coldStart: "true", function: { name: "alpha" }, uuid: undefined } },
      options,
    );
    expect(parsed).toEqual({
      where: { ...mark, status: "error", function: { name: "alpha" }, createdAt: { gte: new Date("2025-01-01") }, durationMs: { between: [10, 200] }, coldStart: true },
      orderBy: "-createdAt,durationMs",
      page: 2,
      pageSize: 20,
    });
  });

  test("flat bracket keys (URLSearchParams), dotted relation fields, repeated values become in", () => {
    const query = Object.fromEntries(new URLSearchParams("filter[function.name][startsWith]=al&filter[durationMs][in]=1,2,3&filter[createdAt][lt]=2025-02-01T10:00:00Z"));
    expect(parseListQuery(query, options)).toEqual({
      where: { ...mark, function: { name: { startsWith: "al" } }, durationMs: { in: [1, 2, 3] }, createdAt: { lt: new Date("2025-02-01T10:00:00Z") } },
      orderBy: undefined,
      page: 1,
      pageSize: 20,
    });
    expect(parseListQuery({ filter: { status: ["error", "timeout"] } }, options).where).toEqual({ ...mark, status: { in: ["error", "timeout"] } });
  });

  test("defaults", () => {
    expect(parseListQuery({}, { defaultSort: "-createdAt", defaultPageSize: 10 })).toEqual({ where: { ...mark }, orderBy: "-createdAt", page: 1, pageSize: 10 });
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ["a field that is not filterable", { filter: { error: "x" } }, /cannot filter by "error" \(allowed: status, createdAt/],
    ["__proto__ as a field", JSON.parse('{"filter": {"__proto__": "x"}}'), /cannot filter by "__proto__"/],
    ["an operator that is not allowed", { filter: { uuid: { ne: "x" } } }, /operator "ne" is not allowed on uuid \(allowed: eq\)/],
    ["an operator for another type", { filter: { coldStart: { gt: "1" } } }, /operator "gt" is not allowed on coldStart/],
    ["a non-integer", { filter: { durationMs: "ten" } }, /filter.durationMs must be an integer, got "ten"/],
    ["a huge integer", { filter: { durationMs: "99999999999999999999" } }, /must be an integer/],
    ["a non-boolean", { filter: { coldStart: "yes" } }, /must be true or false/],
    ["a non-date", { filter: { createdAt: { gte: "last week" } } }, /must be an ISO 8601 date/],
    ["an impossible date", { filter: { createdAt: "2025-13-45" } }, /must be an ISO 8601 date/],
    ["a bad uuid", { filter: { uuid: "1 or 1=1" } }, /must be a uuid/],
    ["between with one value", { filter: { durationMs: { between: "1" } } }, /needs two values/],
    ["a sort key that is not sortable", { sort: "-status" }, /cannot sort by "status" \(allowed: createdAt, durationMs, function.name\)/],
    ["sort given twice", { sort: ["a", "b"] }, /sort must be one string/],
    ["page 0", { page: "0" }, /page must be an integer from 1/],
    ["negative page", { page: "-2" }, /page must be an integer from 1/],
    ["pageSize over the maximum", { pageSize: "51" }, /pageSize must be an integer from 1 to 50/],
    ["NaN pageSize", { pageSize: "NaN" }, /pageSize must be an integer/],
    ["page given twice", { page: ["1", "2"] }, /page must be an integer/],
    ["a key given twice", { "filter[status]": "a", filter: { status: "b" } }, /given twice/],
    ["a relation that is not filterable", { filter: { user: { email: "x" } } }, /cannot filter by "user"/],
    ["a relation field that is not filterable", { filter: { function: { status: "x" } } }, /cannot filter by "function.status"/],
    ["filter that is no object", { filter: "status=active" }, /filter must be an object/],
    ["a malformed bracket key (it dropped the filter)", { "filter[status]]": "active" }, /malformed query key "filter\[status\]\]"/],
    ["a dotted filter key (it dropped the filter)", { "filter.status": "active" }, /malformed query key "filter.status"; write filter\[field\]=value/],
    ["an unclosed bracket", { "filter[status": "active" }, /malformed query key/],
  ])("rejects %s", (_label, query, message) => {
    expect(() => parseListQuery(query, options as never)).toThrow(InvalidQueryError);
    expect(() => parseListQuery(query, options as never)).toThrow(message);
  });
});

test("a misspelt option is refused (it was ignored: every field filterable by nobody)", () => {
  expect(() => parseListQuery({}, { filtrable: ["status"] } as never)).toThrow(/unknown parseListQuery option "filtrable"; did you mean "filterable"\?/);
});

describe("parseListQuery output in a repository", () => {
  let t: TestUnitwork;
  beforeAll(async () => {
    t = await openTestUnitwork();
    await t.uw.unitOfWork.run(async (ctx) => {
      const user = await ctx.repository(User).create({ email: "q@q.co" });
      const fn = await ctx.repository(FunctionEntity).create({ userId: user.id, name: "alpha" });
      const inv = ctx.repository(FunctionInvocation);
      for (const [durationMs, status, coldStart] of [[5, "success", true], [50, "error", false], [500, "timeout", true]] as const) {
        await inv.create({ functionId: fn.id, durationMs, status, coldStart });
      }
    });
  });
  afterAll(() => t.close());

  test("a name list means auto types: the repository converts text with the column type", async () => {
    const inv = t.uw.repositories.create(FunctionInvocation);
    const { where, orderBy, page, pageSize } = parseListQuery(
      { filter: { durationMs: { gte: "50" }, coldStart: "true", "function.name": "alpha" }, sort: "-durationMs" },
      { filterable: ["durationMs", "coldStart", "function.name", "id"], sortable: ["durationMs"] },
    );
    const result = await inv.paginate({ where, orderBy, page, pageSize });
    expect(result.items.map((i) => i.durationMs)).toEqual([500]);
    await expect(inv.findMany({ where: parseListQuery({ filter: { durationMs: "fast" } }, { filterable: ["durationMs"] }).where })).rejects.toThrow(/durationMs expects an integer/);
    await expect(inv.findMany({ where: parseListQuery({ filter: { id: "1e3" } }, { filterable: ["id"] }).where })).rejects.toThrow(/id expects a 64-bit integer/);
    // without the parseListQuery mark, text stays text and is refused for an integer column
    await expect(inv.findMany({ where: { durationMs: "50" } as never })).rejects.toThrow(InvalidQueryError);
  });
});

test.each<[string, Record<string, unknown>]>([
  ["defaultPageSize 0", { defaultPageSize: 0 }],
  ["maxPageSize NaN", { maxPageSize: Number.NaN }],
  ["a null filterable field", { filterable: { name: null } }],
  ["sortable as a string", { sortable: "name" }],
  ["defaultSort as a number", { defaultSort: 5 }],
  ["an unknown operator", { filterable: { name: { type: "string", operators: ["regex"] } } }],
])("a bad option is InvalidConfigError before any input is read: %s", (_label, options) => {
  expect(() => parseListQuery({}, options as never)).toThrow(InvalidConfigError);
});
