import { FunctionEntity, User } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork({ poolSize: 5, analyzer: { mode: "off" } })));
afterAll(() => t.close());

test("200 concurrent units of work on a pool of 5, with nested and required units inside, never mix and leave no connection held", async () => {
  const users = t.uw.repositories.create(User);
  const functions = t.uw.repositories.create(FunctionEntity);
  const neverCommitted = Array.from({ length: 200 }, (_, i) => `u${i}@acme.co`).filter((_, i) => i % 3 === 0);
  const outcomes = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      t.uw.unitOfWork.run(async (ctx) => {
        const user = await users.create({ email: `u${i}@acme.co` });
        // required joins: same transaction, same connection
        await t.uw.unitOfWork.run(async (joined) => {
          expect(joined.manager).toBe(ctx.manager);
          await functions.create({ userId: user.id, name: `fn-${i}` });
        });
        // nested: a savepoint on the same connection; odd ones roll their part back
        await t.uw.unitOfWork.run(async () => {
          await functions.create({ userId: user.id, name: `extra-${i}` });
          if (i % 2 === 1) throw new Error("undo extra");
        }, { propagation: "nested" }).catch((e: Error) => expect(e.message).toBe("undo extra"));
        await new Promise((r) => setImmediate(r));
        // before commit each unit sees exactly its own writes, none of the others' uncommitted ones
        const visible = await functions.findMany({ where: { userId: user.id }, orderBy: "name" });
        const mine = visible.map((f) => f.name);
        // units with i % 3 === 0 never commit: no other unit may ever see their users
        const othersUncommitted = await users.count({ email: { in: neverCommitted.filter((e) => e !== user.email) } });
        if (i % 3 === 0) throw new Error(`rollback ${i}`);
        return { i, mine, othersUncommitted };
      }).then((value) => ({ ok: true as const, value }), (error: Error) => ({ ok: false as const, error })),
    ),
  );

  for (const [i, outcome] of outcomes.entries()) {
    if (i % 3 === 0) {
      expect(outcome.ok).toBe(false);
      continue;
    }
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) continue;
    expect(outcome.value.mine).toEqual(i % 2 === 1 ? [`fn-${i}`] : [`extra-${i}`, `fn-${i}`]);
    expect(outcome.value.othersUncommitted).toBe(0);
  }
  const committed = outcomes.filter((o) => o.ok).length;
  expect(committed).toBe(200 - Math.ceil(200 / 3));
  // the database holds exactly the committed units' rows
  expect(await users.count()).toBe(committed);
  const expectedFunctions = outcomes.reduce((n, o, i) => (o.ok ? n + (i % 2 === 1 ? 1 : 2) : n), 0);
  expect(await functions.count()).toBe(expectedFunctions);
  // and the pool is whole: nothing held, nothing waiting
  const { pool } = await t.uw.health();
  expect(pool.total).toBeLessThanOrEqual(5);
  expect(pool.idle).toBe(pool.total);
  expect(pool.waiting).toBe(0);
  expect(t.uw.unitOfWork.activeCount).toBe(0);
});
