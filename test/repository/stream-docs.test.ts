import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FunctionEntity } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed } from "./fixtures";

/**
 * The examples of the "Streaming reads" section of docs/repositories.md, run as written on the test
 * fixture. Each ```ts block of the section is copied here unchanged (the first test checks that, line
 * by line, ignoring indentation); the lines around the copies assert what the section claims.
 */
let t: TestUnitwork;
beforeAll(async () => {
  t = await openTestUnitwork();
  await seed(t.uw);
});
afterAll(() => t.close());

const normalize = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("import "));

test("every example of the section is in this file, unchanged", () => {
  const page = readFileSync(join(__dirname, "../../docs/repositories.md"), "utf8");
  const section = page.slice(page.indexOf("## Streaming reads"), page.indexOf("\n## ", page.indexOf("## Streaming reads") + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalize(m[1]!));
  expect(blocks).toHaveLength(2);
  const here = normalize(readFileSync(__filename, "utf8"));
  const missing = blocks.filter((block) => !here.some((_, at) => block.every((line, i) => here[at + i] === line)));
  expect(missing).toEqual([]);
});

test("an export loop with a relation and an early end", async () => {
  const fns = t.uw.repositories.create(FunctionEntity);
  const lines: string[] = [];
  for await (const fn of fns.stream({ where: { status: { in: ["active", "failed"] } }, orderBy: "-createdAt", relations: { user: true }, batchSize: 500 })) {
    lines.push(`${fn.name},${fn.user?.email ?? ""}`); // or write it to a file, a queue, another service
    if (lines.length === 10_000) break; // an early end closes the cursor and releases its connection
  }
  const listed = await fns.findMany({ where: { status: { in: ["active", "failed"] } }, orderBy: "-createdAt", relations: { user: true } });
  expect(lines).toEqual(listed.map((fn) => `${fn.name},${fn.user?.email ?? ""}`));
  expect(lines).toContain("zeta,"); // its owner is soft-deleted: no user, as findMany
});

test("inside a unit of work the stream sees the unit's writes", async () => {
  const { uw } = t;
  const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    await uw.unitOfWork.run(async (ctx) => {
      const functions = ctx.repository(FunctionEntity);
      await functions.create({ userId: 1, name: "omega", status: "active" });
      for await (const fn of functions.stream({ where: { status: "active" } })) console.log(fn.name); // omega too: same transaction
    });
    expect(log.mock.calls.map((c) => c[0])).toEqual(["alpha", "gamma", "zeta", "omega"]);
  } finally {
    log.mockRestore();
  }
});
