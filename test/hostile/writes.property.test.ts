import fc from "fast-check";
import { afterRun, buildRow, entity, id, mode, mutation, repo, row, rowCount, storedAsGiven, TABLE, useWriteFixture, write, type EntityName, type RowSpec } from "./write-kit";
import { params, toObject } from "./hostile";

/**
 * Hostile input through the single-row writes (`create`, `update`, `delete`, `softDelete`, `restore`),
 * outside a unit of work, inside one that commits and inside one that rolls back (see write-kit.ts).
 */
const RUNS = { create: 400, update: 350, delete: 150, softDelete: 150, restore: 150 };
const counts = useWriteFixture("hostile single-row writes");

// ------------------------------------------------------------------ single-row writes

test(`create: ${RUNS.create} hostile rows`, async () => {
  await fc.assert(
    fc.asyncProperty(entity.chain((e) => fc.tuple(fc.constant(e), row(e))), mode, async ([e, spec], how) => {
      const data = buildRow(e, spec as RowSpec);
      const before = await rowCount(TABLE[e]);
      const outcome = await write("create", { e, data, how }, how, () => repo(e).create(data as never), { e, rows: [data] });
      if (!outcome.answered) return;
      const created = outcome.result as Record<string, unknown>;
      expect(created.id).toBeDefined();
      expect(await rowCount(TABLE[e])).toBe(before + (how === "rollback" ? 0 : 1));
      if (how !== "rollback") await storedAsGiven(e, data, created.id);
    }),
    params(RUNS.create),
  );
});

test(`update: ${RUNS.update} hostile ids and patches`, async () => {
  await fc.assert(
    fc.asyncProperty(entity.chain((e) => fc.tuple(fc.constant(e), fc.array(mutation(e), { maxLength: 3 }))), id, mode, fc.boolean(), async ([e, muts], target, how, asEntity) => {
      const patch = toObject(muts.map(([k, v]) => [k, v] as const));
      let idOrEntity: unknown = target;
      // the lookup itself refuses a hostile id (NaN, out of range) with InvalidQueryError: then the id goes as it is
      if (asEntity && typeof target === "number") idOrEntity = (await repo(e).getById(target as never).catch(() => null)) ?? target;
      const outcome = await write("update", { e, idOrEntity, patch, how }, how, () => repo(e).update(idOrEntity as never, patch as never), { e, rows: [patch] });
      if (!outcome.answered) return;
      const updated = outcome.result as Record<string, unknown>;
      expect(updated.id).toBeDefined();
      if (how !== "rollback") await storedAsGiven(e, patch, updated.id);
    }),
    params(RUNS.update),
  );
});

for (const method of ["delete", "softDelete", "restore"] as const) {
  test(`${method}: ${RUNS[method]} hostile ids`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<EntityName>("fns", "logs", "users"), id, mode, async (e, target, how) => {
        const before = await rowCount(TABLE[e]);
        const outcome = await write(method, { e, target, how }, how, () => repo(e)[method](target as never));
        if (!outcome.answered) return;
        expect(typeof outcome.result).toBe("boolean");
        if (method === "delete" && how !== "rollback") expect(await rowCount(TABLE[e])).toBe(before - (outcome.result ? 1 : 0));
      }),
      params(RUNS[method]),
    );
  });
}

test("after the run: the canary is untouched, the prototypes are clean", async () => {
  await afterRun(Object.values(RUNS).reduce((a, b) => a + b, 0));
  void counts;
});

