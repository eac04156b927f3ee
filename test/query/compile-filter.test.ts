import "reflect-metadata";
import { DataSource } from "typeorm";
import { domainEntities, FunctionEntity } from "../../examples/domain";
import { InvalidQueryError } from "../../src";
import { compileFilter, CursorCodec, operatorsFor, parseListQuery, parseSort, toPositional, validateFilter } from "../../src/query";

let dataSource: DataSource;
beforeAll(async () => {
  dataSource = new DataSource({ type: "postgres", entities: domainEntities });
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
});
const meta = () => dataSource.getMetadata(FunctionEntity);

describe("compileFilter (for bulk and custom SQL)", () => {
  test("values become parameters; relations become EXISTS subqueries", () => {
    const evil = "x'); DELETE FROM users; --";
    const compiled = compileFilter(meta(), "e", { name: evil, user: { email: { ilike: "%@acme.co" } }, deployments: { version: { in: [1, 2] } } });
    expect(compiled.sql).not.toContain(evil);
    expect(compiled.sql).not.toContain("acme");
    expect(compiled.sql).toBe(
      `"e"."name" = :uwq0 AND EXISTS (SELECT 1 FROM "users" "uwq_t0" WHERE "uwq_t0"."id" = "e"."user_id" AND "uwq_t0"."deleted_at" IS NULL AND "uwq_t0"."email" ILIKE :uwq1)` +
        ` AND EXISTS (SELECT 1 FROM "function_deployments" "uwq_t1" WHERE "uwq_t1"."function_id" = "e"."id" AND "uwq_t1"."version" = ANY(:uwq2))`,
    );
    expect(compiled.parameters).toEqual({ uwq0: evil, uwq1: "%@acme.co", uwq2: [1, 2] });
  });

  test("toPositional numbers the placeholders from any index", () => {
    const positional = toPositional(compileFilter(meta(), "t", { id: { between: [1, 5] }, or: [{ status: "active" }, { runtime: { contains: "50%" } }] }), 3);
    expect(positional.sql).toBe(`"t"."id" BETWEEN $3 AND $4 AND ("t"."status" = $5 OR "t"."runtime" LIKE $6)`);
    expect(positional.values).toEqual([1, 5, "active", "%50\\%%"]);
    expect(toPositional(compileFilter(meta(), "t", {}))).toEqual({ sql: undefined, values: [] });
  });

  test("validateFilter throws before any SQL exists", () => {
    expect(() => validateFilter(meta(), { name: { regex: "." } })).toThrow(InvalidQueryError);
    expect(() => validateFilter(meta(), { status: "active" })).not.toThrow();
  });
});

describe("one operator table", () => {
  test("parseListQuery offers an auto field exactly the operators the compiler takes on a string column", () => {
    let allowed: readonly string[] | undefined;
    try {
      parseListQuery({ filter: { name: { regex: "x" } } }, { filterable: ["name"] });
    } catch (error) {
      allowed = (error as InvalidQueryError).allowed;
    }
    expect(allowed).toEqual(operatorsFor("string"));
    expect(operatorsFor("json")).toEqual(["eq", "ne", "isNull"]);
  });
});

describe("CursorCodec", () => {
  test("round-trips values and refuses other secrets, orders and edits", () => {
    const keys = parseSort(meta(), "-createdAt");
    const codec = new CursorCodec("s1", "FunctionEntity");
    const cursor = codec.encode(keys, ["2025-01-01 00:00:00.123456+00", "42"]);
    expect(codec.decode(keys, cursor)).toEqual(["2025-01-01 00:00:00.123456+00", "42"]);
    expect(() => new CursorCodec("s2", "FunctionEntity").decode(keys, cursor)).toThrow(/invalid cursor/);
    expect(() => new CursorCodec("s1", "User").decode(keys, cursor)).toThrow(/invalid cursor/);
    expect(() => codec.decode(parseSort(meta(), "createdAt"), cursor)).toThrow(/invalid cursor/);
    expect(() => codec.decode(keys, `x${cursor}`)).toThrow(/invalid cursor/);
  });
});
