/** Many-to-many links through update, and composite keys through the id and bulk methods. */
import { InvalidQueryError, UnsupportedMappingError } from "../../src";
import { Product } from "../conformance/cases/app-shapes";
import { Category, CompositePost, Question } from "../conformance/cases/typeorm-samples";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork({ entities: [Category, Question, CompositePost, Product], poolSize: 3 })));
afterAll(() => t.close());

test("update replaces the join-table rows of a many-to-many relation; bulk writes refuse it by name", async () => {
  const categories = t.uw.repositories.create(Category);
  const questions = t.uw.repositories.create(Question);
  const [a, b, c] = [await categories.create({ name: "a" }), await categories.create({ name: "b" }), await categories.create({ name: "c" })];
  const q = await questions.create({ title: "q", categories: [{ id: a.id }, { id: b.id }] });
  const names = async () => (await questions.getByIdOrFail(q.id, { relations: { categories: true } })).categories.map((x) => x.name);
  expect(await names()).toEqual(["a", "b"]);
  await questions.update(q.id, { categories: [{ id: b.id }, { id: c.id }] });
  expect(await names()).toEqual(["b", "c"]);
  await questions.update(q.id, { title: "q2", categories: [] });
  expect(await names()).toEqual([]);
  expect(await questions.count({ categories: { name: "b" } })).toBe(0);
  const refused = await questions.bulkInsert([{ title: "x", categories: [{ id: a.id }] }]).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(UnsupportedMappingError);
  expect((refused as Error).message).toMatch(/many-to-many relation categories/);
});

test("a composite key is an object in getById, update, delete, bulkUpdate and bulkDelete", async () => {
  const posts = t.uw.repositories.create(CompositePost);
  await posts.bulkInsert([1, 2, 3].map((n) => ({ firstId: 7, secondId: n, title: `t${n}` })), { returning: "none" });
  expect((await posts.getByIdOrFail({ firstId: 7, secondId: 2 })).title).toBe("t2");
  await expect(posts.getById(7 as never)).rejects.toThrow(InvalidQueryError);
  await expect(posts.getById({ firstId: 7 } as never)).rejects.toThrow(/give the id as \{ firstId, secondId \}/);
  expect((await posts.update({ firstId: 7, secondId: 1 }, { title: "one" })).title).toBe("one");
  expect((await posts.bulkUpdate([{ firstId: 7, secondId: 2, title: "two" }, { firstId: 7, secondId: 3, title: "three" }])).count).toBe(2);
  expect((await posts.findMany({ orderBy: "secondId" })).map((p) => p.title)).toEqual(["one", "two", "three"]);
  expect((await posts.bulkDelete([{ firstId: 7, secondId: 1 }, { firstId: 7, secondId: 3 }])).count).toBe(2);
  expect(await posts.delete({ firstId: 7, secondId: 2 })).toBe(true);
  expect(await posts.count()).toBe(0);
});

test("insert: false and update: false columns are refused where TypeORM would skip them", async () => {
  const products = t.uw.repositories.create(Product);
  await expect(products.create({ name: "p", createdBy: "me", source: "x" } as never)).rejects.toThrow(/source is never inserted/);
  await expect(products.bulkInsert([{ name: "p", createdBy: "me", source: "x" } as never])).rejects.toThrow(/source is never inserted/);
  const p = await products.create({ name: "p", createdBy: "me" });
  expect(p.source).toBe("catalogue");
  await expect(products.update(p.id, { createdBy: "you" })).rejects.toThrow(/createdBy is never updated/);
  await expect(products.bulkUpdate([{ id: p.id, createdBy: "you" }])).rejects.toThrow(/createdBy is never updated/);
});

test("keepGenerated loads rows with their own keys and moves the sequence past them", async () => {
  const categories = t.uw.repositories.create(Category);
  await expect(categories.bulkInsert([{ id: 500, name: "kept" }])).rejects.toThrow(/keepGenerated/);
  const { ids } = await categories.bulkInsert([{ id: 500, name: "kept" }, { id: 501, name: "kept too" }], { keepGenerated: true });
  expect(ids).toEqual([500, 501]);
  expect((await categories.create({ name: "next" })).id).toBeGreaterThan(501);
  expect(await categories.bulkUpsert([{ id: 900, name: "upserted" }], { conflictPaths: ["id"], keepGenerated: true }).catch((e: Error) => e.message)).toMatch(/generated key/);
});
