import { FunctionEntity, User } from "../../examples/domain";
import { InvalidQueryError } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seed } from "./fixtures";
import { captureStatements } from "./statements";

// Inputs a red-team pass got through to PostgreSQL (a 500) or to the event loop: each is now a typed
// InvalidQueryError before any SQL is built.
let t: TestUnitwork;
beforeAll(async () => {
  t = await openTestUnitwork();
  await seed(t.uw);
});
afterAll(() => t.close());

const fns = () => t.uw.repositories.create(FunctionEntity);
const users = () => t.uw.repositories.create(User);

/** Runs `call`, expects InvalidQueryError matching `message`, and that no statement reached the server. */
async function refused(call: () => Promise<unknown>, message: RegExp): Promise<void> {
  const { result, statements } = await captureStatements(t.uw.dataSource, () => call().then(() => "answered", (error: unknown) => error));
  expect(result).toBeInstanceOf(InvalidQueryError);
  expect((result as Error).message).toMatch(message);
  expect(statements).toEqual([]);
}

test("a LIKE pattern ending in an escape character is refused (it was SQLSTATE 22025)", async () => {
  await refused(() => fns().findMany({ where: { name: { like: "%\\" } } }), /cannot end with an escape character/);
  await refused(() => users().findMany({ where: { email: { ilike: "a\\\\\\" } } }), /cannot end with an escape character/);
  // an escaped backslash at the end is a literal backslash: a valid pattern
  await expect(fns().findMany({ where: { name: { like: "%\\\\" } } })).resolves.toEqual([]);
  await expect(fns().findMany({ where: { name: { like: "delta\\_%" } } })).resolves.toMatchObject([{ name: "delta_1" }]);
});

test("lone UTF-16 surrogates are refused in text and JSON filters, values and keys (jsonb said 22P02, text stored U+FFFD)", async () => {
  await refused(() => fns().findMany({ where: { name: "a\ud800" } }), /lone UTF-16 surrogates/);
  await refused(() => fns().findMany({ where: { name: { contains: "\udc00x" } } }), /lone UTF-16 surrogates/);
  await refused(() => fns().findMany({ where: { analysisResult: { eq: { a: "\ud800" } } } }), /JSON strings cannot contain lone UTF-16 surrogates/);
  await refused(() => fns().findMany({ where: { analysisResult: { eq: { ["k\udfff"]: 1 } } } }), /JSON keys cannot contain lone UTF-16 surrogates/);
  // a well-formed pair (an emoji) is fine
  await expect(fns().findMany({ where: { name: "🙂" } })).resolves.toEqual([]);
});

test("an orderBy object nested 5,000 levels deep is refused, not a stack overflow", async () => {
  let orderBy: Record<string, unknown> = { name: "ASC" };
  for (let i = 0; i < 5000; i++) orderBy = { user: orderBy };
  await refused(() => fns().findMany({ orderBy: orderBy as never }), /goes through too many relations/);
});

test("empty objects count against the filter limits: a million of them is refused at once", async () => {
  await refused(() => fns().findMany({ where: { and: Array(1_000_000).fill({}) } as never }), /has 1000000 filters; a filter has at most 2000 objects/);
  // a tree of empty leaves: each object counts
  const leaves = Array.from({ length: 1000 }, () => ({ and: Array(1000).fill({}) }));
  await refused(() => fns().findMany({ where: { or: leaves } as never }), /more than 2000 objects/);
});
