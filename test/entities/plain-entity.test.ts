/**
 * Issue 16's acceptance: a plain TypeORM entity (no class-validator decorator) and one with rules on
 * some properties go through every repository and bulk method, whatever the compiler made of their
 * class fields: swc and tsc, with and without `useDefineForClassFields`.
 */
import { join } from "node:path";
import { ConcurrencyError, InvalidQueryError, ValidationError, type AsyncBaseRepository } from "../../src";
import { COMPILE_MODES, definesClassFields, loadCompiled, type CompileMode } from "./compile-fixture";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import type * as Fixture from "./fixtures/plain-entities";

type Entities = typeof Fixture;

describe.each(COMPILE_MODES)("compiled by %s", (mode: CompileMode) => {
  let e: Entities;
  let t: TestUnitwork;
  let authors: AsyncBaseRepository<Fixture.PlainAuthor>;
  let notes: AsyncBaseRepository<Fixture.PlainNote>;
  let validated: AsyncBaseRepository<Fixture.ValidatedNote>;

  beforeAll(async () => {
    e = loadCompiled<Entities>(join(__dirname, "fixtures/plain-entities.ts"), mode);
    t = await openTestUnitwork({ label: `plain_${mode}`, entities: [e.PlainAuthor, e.PlainNote, e.ValidatedNote], poolSize: 4 });
    authors = t.uw.repositories.create(e.PlainAuthor);
    notes = t.uw.repositories.create(e.PlainNote);
    validated = t.uw.repositories.create(e.ValidatedNote);
  });
  afterAll(() => t?.close());

  test("the compile mode is the one named (class fields are own properties only with define semantics)", () => {
    expect(Object.prototype.hasOwnProperty.call(new e.PlainNote(), "title")).toBe(definesClassFields(mode));
  });

  test("create, update (optimistic lock), getById, soft delete and restore", async () => {
    const ada = await authors.create({ name: "Ada" });
    expect(ada).toBeInstanceOf(e.PlainAuthor);
    const note = await notes.create({ title: "first", author: { id: ada.id } });
    expect(note).toMatchObject({ title: "first", status: "draft", views: 0, version: 1, deletedAt: null });
    const stale = await notes.getByIdOrFail(note.id);
    const updated = await notes.update(note.id, { title: "first, again" });
    expect(updated).toMatchObject({ title: "first, again", version: 2 });
    await expect(notes.update(stale, { title: "lost update" })).rejects.toThrow(ConcurrencyError);
    expect(await notes.softDelete(note.id)).toBe(true);
    expect(await notes.getById(note.id)).toBeNull();
    expect(await notes.restore(note.id)).toBe(true);
    const withAuthor = await notes.getByIdOrFail(note.id, { relations: { author: true } });
    expect(withAuthor.author).toMatchObject({ id: ada.id, name: "Ada" });
  });

  test("the write-input rules: unknown, generated and maintained keys, functions, two values for one key", async () => {
    const ada = await authors.create({ name: "Ada 2" });
    for (const bad of [{ title: "x", colour: "red" }, { title: "x", id: 5 }, { title: "x", createdAt: new Date() }, { title: "x", version: 3 }, { title: "x", deletedAt: new Date() }]) {
      await expect(notes.create(bad as never)).rejects.toThrow(ValidationError);
    }
    await expect(notes.create({ title: (() => "now()") as never })).rejects.toThrow(/function/);
    await expect(notes.create({ title: "lone \ud800 surrogate" })).rejects.toThrow(/surrogate/);
    const note = await notes.create({ title: "rules", author: { id: ada.id } });
    await expect(notes.update(note.id, { title: (() => "(SELECT 'x')") as never })).rejects.toThrow(ValidationError);
    expect((await notes.getByIdOrFail(note.id)).title).toBe("rules");
  });

  test("class-validator rules apply to what the input gives, and only there", async () => {
    const ok = await validated.create({ title: "fine" });
    expect(ok).toMatchObject({ title: "fine", status: "draft", views: 0, version: 1 });
    await expect(validated.create({ title: "" })).rejects.toThrow(/title/);
    await expect(validated.create({ title: "ok", status: "bogus" })).rejects.toThrow(/status/);
    await expect(validated.update(ok.id, { status: "bogus" })).rejects.toThrow(ValidationError);
    expect((await validated.update(ok.id, { status: "bogus" }, { validate: false })).status).toBe("bogus");
    expect((await validated.update(ok.id, { views: 3 })).views).toBe(3);
    await expect(validated.bulkInsert([{ title: "" }])).rejects.toThrow(ValidationError);
    expect((await validated.bulkInsert([{ title: "" }], { validate: false })).count).toBe(1);
  });

  test("findMany, paginate, paginateByCursor and loadRelations through a relation with no @Column key", async () => {
    const grace = await authors.create({ name: "Grace" });
    for (let i = 0; i < 5; i++) await notes.create({ title: `grace ${i}`, author: { id: grace.id } });
    const found = await notes.findMany({ where: { author: { name: "Grace" } }, orderBy: "title" });
    expect(found.map((n) => n.title)).toEqual(["grace 0", "grace 1", "grace 2", "grace 3", "grace 4"]);
    for (const strategy of ["join", "query"] as const) {
      const loaded = await notes.findMany({ where: { author: { id: grace.id } }, relations: { author: true }, relationStrategy: strategy });
      expect(loaded.map((n) => n.author?.name)).toEqual(Array(5).fill("Grace"));
    }
    const plain = await notes.findMany({ where: { author: { id: grace.id } } });
    await notes.loadRelations(plain, { author: true });
    expect(plain.map((n) => n.author?.name)).toEqual(Array(5).fill("Grace"));
    const withNotes = await authors.findMany({ where: { id: grace.id }, relations: { notes: true } });
    expect(withNotes[0]!.notes).toHaveLength(5);

    const page = await notes.paginate({ page: 2, pageSize: 2, where: { author: { id: grace.id } }, orderBy: "title" });
    expect(page).toMatchObject({ total: 5, totalPages: 3, hasNext: true, hasPrevious: true });
    expect(page.items.map((n) => n.title)).toEqual(["grace 2", "grace 3"]);
    const first = await notes.paginateByCursor({ first: 3, where: { author: { id: grace.id } }, orderBy: "title" });
    const second = await notes.paginateByCursor({ first: 3, after: first.pageInfo.endCursor, where: { author: { id: grace.id } }, orderBy: "title" });
    expect([...first.items, ...second.items].map((n) => n.title)).toEqual(["grace 0", "grace 1", "grace 2", "grace 3", "grace 4"]);
  });

  test("every bulk method, with the relation given as an object", async () => {
    const linus = await authors.create({ name: "Linus" });
    const rows = Array.from({ length: 30 }, (_, i) => ({ title: `bulk ${i}`, slug: `${mode}-bulk-${i}`, author: { id: linus.id } }));
    const { count, ids } = await notes.bulkInsert(rows);
    expect(count).toBe(30);
    const inserted = await notes.findMany({ where: { id: { in: ids as number[] } }, relations: { author: true }, orderBy: "id" });
    expect(inserted.map((n) => [n.title, n.status, n.author?.id, n.version])).toEqual(rows.map((r) => [r.title, "draft", linus.id, 1]));

    expect((await notes.bulkUpdate(inserted.slice(0, 10).map((n) => ({ id: n.id, views: 7, version: n.version })))).count).toBe(10);
    expect(await notes.count({ views: 7, author: { id: linus.id } })).toBe(10);

    const upsert = await notes.bulkUpsert(
      [{ slug: `${mode}-bulk-0`, title: "bulk 0 upserted", author: { id: linus.id } }, { slug: `${mode}-bulk-new`, title: "bulk new" }],
      { conflictPaths: ["slug"] },
    );
    expect(upsert).toEqual({ inserted: 1, updated: 1 });
    expect((await notes.findFirst({ where: { slug: `${mode}-bulk-0` } }))!.title).toBe("bulk 0 upserted");

    expect((await notes.bulkSoftDelete({ author: { id: linus.id }, views: 7 })).count).toBe(10);
    expect(await notes.count({ author: { id: linus.id } })).toBe(20);
    expect((await notes.bulkRestore(ids!.slice(0, 5) as number[])).count).toBe(5);
    // bulkDelete removes soft-deleted rows too, as TypeORM's delete() does
    expect((await notes.bulkDelete({ author: { id: linus.id } })).count).toBe(30);
    expect(await notes.count({ author: { id: linus.id } })).toBe(0);
  });

  test("bulk refuses what create refuses", async () => {
    const refused = [{ title: "x", id: 9 }, { title: "x", version: 2 }, { title: "x", createdAt: new Date() }, { title: (() => "now()") as never }, { title: "nul \u0000" }, { title: "x", colour: 1 }];
    for (const row of refused) {
      await expect(notes.bulkInsert([row as never])).rejects.toThrow(ValidationError);
      await expect(notes.create(row as never)).rejects.toThrow(ValidationError);
    }
    await expect(notes.bulkUpsert([{ slug: "s", title: () => "x" } as never], { conflictPaths: ["slug"] })).rejects.toThrow(ValidationError);
    await expect(notes.bulkUpdate([{ id: 1, createdAt: new Date() } as never])).rejects.toThrow(ValidationError);
    await expect(notes.findMany({ where: { title: { in: 3 } } as never })).rejects.toThrow(InvalidQueryError);
  });
});
