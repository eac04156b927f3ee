import "reflect-metadata";
import { DataSource, EntitySchema } from "typeorm";
import { columnRef, quoteIdentifier, tableRef } from "../../src/query";

describe("quoteIdentifier", () => {
  test("double-quotes a name and doubles every quote inside it", () => {
    expect(quoteIdentifier("users")).toBe(`"users"`);
    expect(quoteIdentifier(`we"ird`)).toBe(`"we""ird"`);
    expect(quoteIdentifier(`"; DROP TABLE users; --`)).toBe(`"""; DROP TABLE users; --"`);
    expect(quoteIdentifier(`""`)).toBe(`""""""`);
  });

  test("columnRef and tableRef escape the alias, the column, the schema and the table", async () => {
    const Odd = new EntitySchema<{ id: number }>({
      name: "Odd",
      tableName: `odd"table`,
      schema: `my"schema`,
      columns: { id: { type: Number, primary: true, name: `the"id` } },
    });
    const dataSource = new DataSource({ type: "postgres", entities: [Odd] });
    await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    const metadata = dataSource.getMetadata(Odd);
    expect(tableRef(metadata)).toBe(`"my""schema"."odd""table"`);
    expect(columnRef(`a"b`, metadata.primaryColumns[0]!)).toBe(`"a""b"."the""id"`);
  });
});
