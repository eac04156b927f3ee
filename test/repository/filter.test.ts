import { FunctionDeployment, FunctionEntity, FunctionInvocation, User } from "../../examples/domain";
import { InvalidQueryError, type AsyncBaseRepository, type Filter } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { names, seed, type Fixture } from "./fixtures";

let t: TestUnitwork;
let fx: Fixture;
let fns: AsyncBaseRepository<FunctionEntity>;
beforeAll(async () => {
  t = await openTestUnitwork();
  fx = await seed(t.uw);
  fns = t.uw.repositories.create(FunctionEntity);
});
afterAll(() => t.close());

const find = async (where: Filter<FunctionEntity>) => names(await fns.findMany({ where, orderBy: "name" }));
const users = () => t.uw.repositories.create(User);

describe("field operators", () => {
  test.each<[string, Filter<FunctionEntity>, string[]]>([
    ["shorthand equality", { status: "active" }, ["alpha", "gamma", "zeta"]],
    ["eq", { runtime: { eq: "dart" } }, ["beta", "gamma"]],
    ["ne (NULLs count as different)", { organizationId: { ne: 1 } }, ["beta", "delta_1", "gamma", "zeta"]],
    ["gt / lt on integers", { id: { gt: 2, lt: 5 } }, ["delta_1", "gamma"]],
    ["gte / lte", { id: { gte: 5, lte: 6 } }, ["epsilon", "zeta"]],
    ["in", { status: { in: ["failed", "building"] } }, ["delta_1", "epsilon"]],
    ["empty in matches nothing", { status: { in: [] } }, []],
    ["notIn", { runtime: { notIn: ["node", "dart"] } }, ["delta_1"]],
    ["like (pattern)", { name: { like: "%ta%" } }, ["beta", "delta_1", "zeta"]],
    ["ilike", { runtime: { ilike: "NO%" } }, ["alpha", "epsilon", "zeta"]],
    ["contains is literal: _ is no wildcard", { name: { contains: "a_" } }, ["delta_1"]],
    ["startsWith", { name: { startsWith: "ep" } }, ["epsilon"]],
    ["endsWith", { name: { endsWith: "ta" } }, ["beta", "zeta"]],
    ["between", { id: { between: [2, 3] } }, ["beta", "gamma"]],
    ["null shorthand", { organizationId: null }, ["beta", "delta_1", "gamma", "zeta"]],
    ["isNull: false", { organizationId: { isNull: false } }, ["alpha", "epsilon"]],
    ["eq: null", { analysisResult: { eq: null } }, ["beta", "delta_1", "epsilon", "zeta"]],
    ["ne: null", { analysisResult: { ne: null } }, ["alpha", "gamma"]],
    ["jsonb equality", { analysisResult: { eq: { score: 2 } } }, ["gamma"]],
    ["jsonb equality is exact", { analysisResult: { eq: { score: 1 } } }, []],
    ["several operators on one field are ANDed", { name: { startsWith: "e", endsWith: "n" } }, ["epsilon"]],
    ["undefined values are ignored", { status: undefined, runtime: "python" }, ["delta_1"]],
  ])("%s", async (_label, where, expected) => {
    expect(await find(where)).toEqual(expected);
  });

  test("uuid equality and in", async () => {
    const [a, b] = fx.functions;
    expect(await find({ uuid: a!.uuid })).toEqual(["alpha"]);
    expect(await find({ uuid: { in: [a!.uuid, b!.uuid] } })).toEqual(["alpha", "beta"]);
  });

  test("dates: Date objects and ISO strings, ranges", async () => {
    const deps = t.uw.repositories.create(FunctionDeployment);
    const tags = async (where: Filter<FunctionDeployment>) => (await deps.findMany({ where, orderBy: "imageTag" })).map((d) => d.imageTag);
    expect(await tags({ deployedAt: new Date(Date.UTC(2025, 0, 2)) })).toEqual(["gamma:v2"]);
    expect(await tags({ deployedAt: { gte: "2025-01-02" } })).toEqual(["alpha:v3", "gamma:v2"]);
    expect(await tags({ deployedAt: { between: [new Date("2025-01-01T00:00:00Z"), new Date("2025-01-02T00:00:00Z")] } })).toEqual(["beta:v1", "epsilon:v1", "gamma:v2"]);
    expect(await tags({ createdAt: { lt: new Date(Date.now() + 60_000) }, isActive: true })).toHaveLength(4);
  });

  test("booleans, bigint keys and the soft-delete of the root", async () => {
    expect((await users().findMany({ where: { isActive: false } })).map((u) => u.email)).toEqual(["cy_100%@other.io"]);
    expect((await users().findMany({ where: { email: { endsWith: "100%@other.io" } } })).map((u) => u.email)).toEqual(["cy_100%@other.io"]);
    expect(await users().count({ email: { endsWith: "@acme.co" } })).toBe(2);
    expect(await users().count({})).toBe(3);
    expect((await users().findMany({ where: { email: "gone@acme.co" }, withDeleted: true })).map((u) => u.email)).toEqual(["gone@acme.co"]);
    const inv = t.uw.repositories.create(FunctionInvocation);
    expect(await inv.count({ id: { in: ["1", 2n as never, 99 as never] } })).toBe(2);
  });
});

describe("relations, and / or / not", () => {
  test("to-one relation fields through nested objects", async () => {
    expect(await find({ user: { email: { ilike: "ADA@%" } } })).toEqual(["alpha", "beta"]);
    expect(await find({ organization: { name: "Acme" }, user: { role: "user" } })).toEqual(["epsilon"]);
    expect(await find({ organization: null })).toEqual(["beta", "delta_1", "gamma", "zeta"]);
  });

  test("related soft-deleted rows do not match unless withDeleted", async () => {
    expect(await find({ user: { email: "gone@acme.co" } })).toEqual([]);
    expect(names(await fns.findMany({ where: { user: { email: "gone@acme.co" } }, withDeleted: true }))).toEqual(["zeta"]);
  });

  test("a to-many relation means: some child matches (no duplicate roots)", async () => {
    expect(await find({ deployments: { status: "failed" } })).toEqual(["alpha", "gamma"]);
    expect(await find({ deployments: {} })).toEqual(["alpha", "beta", "epsilon", "gamma"]);
    expect(await fns.count({ deployments: { version: { gte: 1 } } })).toBe(4);
    expect(await find({ not: { deployments: {} } })).toEqual(["delta_1", "zeta"]);
    expect((await users().findMany({ where: { functions: { deployments: { imageTag: "gamma:v2" } } } })).map((u) => u.email)).toEqual(["bob@acme.co"]);
    expect((await users().findMany({ where: { information: { country: "UK" } } })).map((u) => u.email)).toEqual(["ada@acme.co"]);
  });

  test("and / or / not to any depth", async () => {
    expect(await find({ or: [{ status: "failed" }, { runtime: "dart", not: { status: "inactive" } }] })).toEqual(["delta_1", "gamma"]);
    expect(await find({ and: [{ runtime: "node" }, { or: [{ name: "alpha" }, { and: [{ not: { status: "active" } }] }] }] })).toEqual(["alpha", "epsilon"]);
    expect(await find({ or: [] })).toEqual([]);
    expect(await find({ and: [] })).toHaveLength(6);
    expect(await find({ not: { or: [{ status: "active" }, { status: "inactive" }] } })).toEqual(["delta_1", "epsilon"]);
    expect(await find({ user: { or: [{ email: "bob@acme.co" }, { isActive: false }] } })).toEqual(["delta_1", "epsilon", "gamma"]);
  });

  test("exists and findFirst", async () => {
    expect(await fns.exists({ name: "alpha" })).toBe(true);
    expect(await fns.exists({ name: "nope" })).toBe(false);
    expect((await fns.findFirst({ where: { runtime: "node" }, orderBy: "-name" }))?.name).toBe("zeta");
    expect(await fns.findFirst({ where: { runtime: "cobol" } })).toBeNull();
  });
});

describe("checked before any SQL: InvalidQueryError", () => {
  const bad: [string, unknown, RegExp][] = [
    ["unknown field, naming the allowed ones", { nmae: "x" }, /unknown filter field "nmae" on FunctionEntity \(allowed: id, uuid, userId/],
    ["__proto__ key", JSON.parse('{"__proto__": {"x": 1}}'), /unknown filter field "__proto__"/],
    ["constructor key", { constructor: "x" }, /unknown filter field "constructor"/],
    ["SQL in a key", { "name; drop table users": "x" }, /unknown filter field/],
    ["cast in a key", { "name::text": "x" }, /unknown filter field/],
    ["quote in a key", { 'name"': "x" }, /unknown filter field/],
    ["unknown operator", { name: { regex: ".*" } }, /unknown operator "regex" for name \(string column\) \(allowed: eq, ne/],
    ["operator not valid for the type", { status: { like: "a%" } }, /unknown operator "like" for status \(enum column\)/],
    ["NaN", { id: Number.NaN }, /id expects an integer/],
    ["out of range integer", { id: 2 ** 31 }, /id expects an integer between -2147483648 and 2147483647/],
    ["float for an integer", { id: 1.5 }, /id expects an integer/],
    ["string for an integer", { id: "1" }, /id expects an integer/],
    ["array where a scalar belongs", { name: ["a", "b"] }, /name got an array; use \{ in: \[...\] \}/],
    ["invalid date", { createdAt: new Date("nope") }, /createdAt expects a Date or an ISO 8601 date string/],
    ["non-date string", { createdAt: "yesterday" }, /createdAt expects a Date/],
    ["enum value not in the enum", { status: "deleted" }, /status expects one of "active", "inactive", "building", "failed"/],
    ["bad uuid", { uuid: "1 or 1=1" }, /uuid expects a uuid/],
    ["boolean expected", { user: { isActive: "true" } }, /user.isActive expects true or false/],
    ["NUL in a string", { name: "a\u0000b" }, /without NUL/],
    ["between needs two values", { id: { between: [1] } }, /id.between expects \[from, to\]/],
    ["null inside in", { name: { in: ["a", null] } }, /use isNull/],
    ["isNull takes a boolean", { name: { isNull: "yes" } }, /isNull expects true or false/],
    ["and must be an array", { and: { name: "a" } }, /and must be an array of filters/],
    ["not must be an object", { not: [] }, /not must be a filter object/],
    ["unknown relation field", { user: { password: "x" } }, /unknown filter field "password" on User/],
    ["to-many cannot be null", { deployments: null }, /to-many relation cannot be null/],
    ["json needs an operator object", { analysisResult: { score: 1 } }, /unknown operator "score"/],
    ["jsonb cannot hold NUL (found by the property test)", { analysisResult: "a\u0000b" }, /JSON strings cannot contain NUL/],
    ["jsonb keys cannot hold NUL", { analysisResult: { eq: { "k\u0000": 1 } } }, /JSON keys cannot contain NUL/],
    ["text cannot hold NUL", { name: "a\u0000b" }, /without NUL characters/],
    ["class instance as filter", { user: new Map() }, /user must be a filter object/],
    ["where must be an object", "name = 'x'", /where must be a filter object/],
    ["too deep", JSON.parse("{" + '"not":{'.repeat(20) + '"id":1' + "}".repeat(21)), /nested deeper than 16/],
    ["function value", { name: () => "1; drop table users" }, /name expects a string/],
  ];
  test.each(bad)("%s", async (_label, where, message) => {
    await expect(fns.findMany({ where: where as Filter<FunctionEntity> })).rejects.toThrow(InvalidQueryError);
    await expect(fns.count(where as Filter<FunctionEntity>)).rejects.toThrow(message);
  });

  test("a misspelt option never selects every row", async () => {
    await expect(fns.findMany({ wher: { name: "alpha" } } as never)).rejects.toThrow(/unknown findMany option "wher" \(allowed: where, orderBy/);
    await expect(fns.findFirst({ filter: { name: "alpha" } } as never)).rejects.toThrow(/unknown findFirst option "filter"/);
    await expect(fns.paginate({ page: 1, pageSize: 5, sort: "name" } as never)).rejects.toThrow(/unknown paginate option "sort"/);
    await expect(fns.paginateByCursor({ first: 5, before: "x" } as never)).rejects.toThrow(/unknown paginateByCursor option "before"/);
    await expect(fns.getById(1, { relation: ["user"] } as never)).rejects.toThrow(/unknown getById option "relation"/);
    await expect(fns.findMany(null as never)).rejects.toThrow(/findMany takes an options object/);
    await expect(fns.paginate(undefined as never)).rejects.toThrow(/paginate takes an options object/);
  });

  test("the error names the key", async () => {
    const error = await fns.findMany({ where: { user: { nope: 1 } } as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidQueryError);
    expect((error as InvalidQueryError).key).toBe("nope");
    expect((error as InvalidQueryError).allowed).toContain("email");
  });
});
