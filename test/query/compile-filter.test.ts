import "reflect-metadata";
import { DataSource } from "typeorm";
import { domainEntities, FunctionEntity } from "../../examples/domain";
import { InvalidQueryError } from "../../src";
import { compileFilter, CursorCodec, CursorKey, operatorsFor, parseListQuery, parseSort } from "../../src/query";

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
  test("round-trips values and refuses other secrets, entities, orders, filters, withDeleted and edits", () => {
    const keys = parseSort(meta(), "-createdAt");
    const listing = { entity: "FunctionEntity", keys, filter: { sql: undefined, parameters: {} }, withDeleted: false };
    const codec = new CursorCodec(new CursorKey("s1"), listing);
    const cursor = codec.encode(["2025-01-01 00:00:00.123456+00", "42"]);
    expect(codec.decode(cursor, 2)).toEqual(["2025-01-01 00:00:00.123456+00", "42"]);
    // encrypted: the sort values are not in the cursor, and two cursors of the same values differ
    expect(Buffer.from(cursor, "base64url").toString("latin1")).not.toMatch(/2025|42/);
    expect(codec.encode(["2025-01-01 00:00:00.123456+00", "42"])).not.toBe(cursor);
    const others = [
      new CursorCodec(new CursorKey("s2"), listing),
      new CursorCodec(new CursorKey("s1"), { ...listing, entity: "User" }),
      new CursorCodec(new CursorKey("s1"), { ...listing, keys: parseSort(meta(), "createdAt") }),
      new CursorCodec(new CursorKey("s1"), { ...listing, filter: { sql: '"e"."status" = :p1', parameters: { p1: "active" } } }),
      new CursorCodec(new CursorKey("s1"), { ...listing, withDeleted: true }),
    ];
    for (const other of others) expect(() => other.decode(cursor, 2)).toThrow(/invalid cursor/);
    expect(() => codec.decode(`x${cursor}`, 2)).toThrow(/invalid cursor/);
    expect(() => codec.decode(cursor.slice(0, -1) + (cursor.endsWith("A") ? "B" : "A"), 2)).toThrow(/invalid cursor/);
  });
});
