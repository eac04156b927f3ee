/** The examples of docs/entities.md, run as written (entities compiled by the test's own swc settings). */
import { Column, DataSource, DeleteDateColumn, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn, VersionColumn, type Relation } from "typeorm";
import { ConcurrencyError, createUnitwork, dataSourceOptionsFromEnv, ValidationError } from "../../src";
import { createTestDatabase } from "../support/test-database";

@Entity()
export class Author {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
  @OneToMany(() => Note, (note) => note.author) notes!: Relation<Note>[];
}

@Entity()
export class Note {
  @PrimaryGeneratedColumn() id!: number;
  @Column() title!: string;
  @Column({ default: "draft" }) status: string = "draft";
  @ManyToOne(() => Author, (author) => author.notes, { nullable: true }) author!: Relation<Author> | null; // no @Column for the key
  @DeleteDateColumn() deletedAt!: Date | null;
  @VersionColumn() version!: number;
}

test("bringing your own entities, as docs/entities.md shows it", async () => {
  const db = await createTestDatabase("docs_entities");
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: db.url }), entities: [Author, Note], synchronize: true });
  const uw = await createUnitwork({ dataSource, analyzer: { mode: "off" } });
  try {
    const authors = uw.repositories.create(Author);
    const notes = uw.repositories.create(Note);

    const ada = await authors.create({ name: "Ada" });
    const note = await notes.create({ title: "first", author: { id: ada.id } });
    expect(note).toMatchObject({ status: "draft", version: 1 });
    await notes.update(note, { title: "second" });
    await expect(notes.update(note, { title: "stale" })).rejects.toThrow(ConcurrencyError);
    const found = await notes.findMany({ where: { author: { name: "Ada" } }, relations: { author: true } });
    expect(found.map((n) => [n.title, n.author?.name])).toEqual([["second", "Ada"]]);
    const { count, ids } = await notes.bulkInsert([{ title: "a", author: { id: ada.id } }, { title: "b" }]);
    expect([count, ids?.length]).toEqual([2, 2]);

    // what input may write
    await expect(notes.create({ title: "x", colour: "red" } as never)).rejects.toThrow(/colour is not a column of Note/);
    await expect(notes.create({ title: "x", id: 5 } as never)).rejects.toThrow(ValidationError);
    await expect(notes.create({ title: (() => "now()") as never })).rejects.toThrow(ValidationError);
    await expect(notes.create({ title: "\ud800" })).rejects.toThrow(ValidationError);

    // validation switched off, per call and per entity
    await notes.create({ title: "x" }, { validate: false });
    uw.repositories.configure(Note, { validate: false });
    await notes.bulkInsert([{ title: "y" }], { validate: false });
    expect(await notes.count()).toBe(5);
  } finally {
    await uw.close();
    await db.drop();
  }
});
