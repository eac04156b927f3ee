/**
 * Generated entities that combine mappings: embedded columns, single-table inheritance, trees,
 * EntitySchema definitions, keys of every kind, column types, transformers, naming strategies, a
 * non-default schema, eager relations, @RelationId and select: false.
 */
import {
  ChildEntity,
  Column,
  CreateDateColumn,
  DefaultNamingStrategy,
  DeleteDateColumn,
  Entity,
  EntitySchema,
  Generated,
  JoinColumn,
  Like,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  RelationId,
  TableInheritance,
  Tree,
  TreeChildren,
  TreeParent,
  UpdateDateColumn,
  VersionColumn,
  type NamingStrategyInterface,
  type Relation,
  type ValueTransformer,
} from "typeorm";
import type { MappingCase } from "../harness";

const five = (make: (i: number) => Record<string, unknown>) => Array.from({ length: 5 }, (_, i) => make(i));

// ---- embedded columns (two levels), with a prefix and without
export class Counters {
  @Column({ default: 0 })
  likes!: number;

  @Column({ default: 0 })
  comments!: number;
}

export class Address {
  @Column({ type: "varchar", nullable: true })
  city!: string | null;

  @Column(() => Counters, { prefix: "stats" })
  stats!: Counters;
}

@Entity("gen_embedded_post")
export class EmbeddedPost {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @Column(() => Counters)
  counters!: Counters;

  @Column(() => Address, { prefix: false })
  address!: Address;
}

// ---- single-table inheritance
@Entity("gen_content")
@TableInheritance({ column: { type: "varchar", name: "type" } })
export class Content {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @Column()
  description!: string;
}

@ChildEntity()
export class Photo extends Content {
  @Column({ type: "varchar", nullable: true })
  size!: string | null;
}

@ChildEntity("q")
export class Quiz extends Content {
  @Column({ type: "int", nullable: true })
  answersCount!: number | null;
}

// ---- trees
@Entity("gen_closure_category")
@Tree("closure-table")
export class ClosureCategory {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @TreeChildren()
  children!: ClosureCategory[];

  @TreeParent()
  parent!: ClosureCategory | null;
}

@Entity("gen_mpath_category")
@Tree("materialized-path")
export class PathCategory {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @TreeChildren()
  children!: PathCategory[];

  @TreeParent()
  parent!: PathCategory | null;
}

@Entity("gen_nested_category")
@Tree("nested-set")
export class NestedCategory {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @TreeChildren()
  children!: NestedCategory[];

  @TreeParent()
  parent!: NestedCategory | null;
}

@Entity("gen_adjacency_node")
export class AdjacencyNode {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @ManyToOne(() => AdjacencyNode, (node) => node.children, { nullable: true })
  parent!: AdjacencyNode | null;

  @OneToMany(() => AdjacencyNode, (node) => node.parent)
  children!: AdjacencyNode[];
}

// ---- EntitySchema (the docs' "Separating Entity Definition" shape)
export interface SchemaPerson {
  id: number;
  firstName: string;
  lastName: string;
  team?: SchemaTeam | null;
}
export interface SchemaTeam {
  id: number;
  name: string;
}
export const SchemaTeamEntity = new EntitySchema<SchemaTeam>({
  name: "SchemaTeam",
  tableName: "gen_schema_team",
  columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } },
});
export const SchemaPersonEntity = new EntitySchema<SchemaPerson>({
  name: "SchemaPerson",
  tableName: "gen_schema_person",
  columns: {
    id: { type: Number, primary: true, generated: true },
    firstName: { type: String },
    lastName: { type: String },
  },
  relations: { team: { type: "many-to-one", target: "SchemaTeam", nullable: true, joinColumn: true } },
});

// ---- keys: uuid, natural string, @Generated("uuid") beside an integer key
@Entity("gen_uuid_key")
export class UuidKeyed {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column()
  label!: string;
}

@Entity("gen_string_key")
export class Country {
  @PrimaryColumn({ type: "varchar", length: 8 })
  code!: string;

  @Column()
  name!: string;
}

@Entity("gen_generated_values")
export class Ticket {
  @PrimaryGeneratedColumn("increment")
  id!: number;

  @Column()
  @Generated("uuid")
  publicId!: string;

  @Column({ default: "open" })
  state!: string;

  @Column({ type: "int", default: () => "42" })
  priority!: number;

  @CreateDateColumn({ type: "timestamptz" })
  createdAt!: Date;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @DeleteDateColumn({ type: "timestamptz" })
  deletedAt!: Date | null;

  @VersionColumn()
  version!: number;
}

// ---- column types
export enum Mood {
  Happy = "happy",
  Sad = "sad",
}

@Entity("gen_all_types")
export class AllTypes {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "enum", enum: Mood, default: Mood.Happy })
  mood!: Mood;

  @Column({ type: "enum", enum: Mood, array: true, default: [] })
  moods!: Mood[];

  @Column({ type: "int", array: true, default: [] })
  numbers!: number[];

  @Column({ type: "text", array: true, nullable: true })
  words!: string[] | null;

  @Column("simple-array")
  tags!: string[];

  @Column("simple-json")
  settings!: { theme: string; size: number };

  @Column({ type: "jsonb", nullable: true })
  payload!: unknown;

  @Column({ type: "bytea", nullable: true })
  blob!: Buffer | null;

  @Column({ type: "numeric", precision: 10, scale: 2 })
  price!: string;

  @Column({ type: "bigint" })
  big!: string;

  @Column({ type: "timestamptz" })
  at!: Date;

  @Column({ type: "timestamp" })
  localAt!: Date;

  @Column({ type: "date" })
  day!: string;

  @Column({ type: "char", length: 2 })
  code!: string;

  @Column({ type: "bit", length: 3 })
  flags!: string;

  @Column({ type: "boolean", default: false })
  active!: boolean;

  @Column({ type: "double precision" })
  ratio!: number;

  @Column({ type: "point", nullable: true })
  spot!: string | null;

  @Column({ type: "box", nullable: true })
  area!: string | null;
}

// ---- transformers
const lower: ValueTransformer = { to: (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v), from: (v: unknown) => v };
const cents: ValueTransformer = { to: (v: unknown) => (typeof v === "number" ? Math.round(v * 100) : v), from: (v: unknown) => (typeof v === "number" ? v / 100 : v) };

@Entity("gen_transformed")
export class Transformed {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "varchar", transformer: lower })
  email!: string;

  @Column({ type: "int", transformer: cents })
  amount!: number;
}

// ---- naming strategies and a non-default schema
export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override tableName(className: string, customName?: string): string {
    return customName ?? snake(className);
  }
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return snake([...prefixes, customName ?? propertyName].join("_"));
  }
  override joinColumnName(relationName: string, referencedColumnName: string): string {
    return snake(`${relationName}_${referencedColumnName}`);
  }
}
function snake(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

@Entity()
export class SnakeAuthor {
  @PrimaryGeneratedColumn()
  authorId!: number;

  @Column()
  fullName!: string;

  @OneToMany(() => SnakeBook, (book) => book.writtenBy)
  books!: SnakeBook[];
}

@Entity()
export class SnakeBook {
  @PrimaryGeneratedColumn()
  bookId!: number;

  @Column()
  bookTitle!: string;

  @Column(() => Counters)
  readCounters!: Counters;

  @ManyToOne(() => SnakeAuthor, (author) => author.books, { nullable: true })
  writtenBy!: Relation<SnakeAuthor> | null;
}

@Entity({ name: "archived_note", schema: "archive" })
export class ArchivedNote {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  body!: string;
}

// ---- eager relations, @RelationId, select: false, an explicit foreign-key column
@Entity("gen_owner")
export class Owner {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;
}

@Entity("gen_pet")
export class Pet {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @Column({ type: "varchar", select: false, nullable: true })
  secret!: string | null;

  @Column({ type: "int", nullable: true })
  ownerId!: number | null;

  @ManyToOne(() => Owner, { eager: true, nullable: true })
  @JoinColumn({ name: "ownerId" })
  owner!: Owner | null;

  @ManyToOne(() => Owner, { nullable: true })
  vet!: Owner | null;

  @RelationId((pet: Pet) => pet.vet)
  vetId!: number | null;
}

const owners = async (ds: import("typeorm").DataSource) => ({ owners: await ds.getRepository(Owner).save([{ name: "ann" }, { name: "bob" }]) });

export const generatedCases: MappingCase[] = [
  {
    name: "embedded columns",
    source: "generated",
    entities: [EmbeddedPost],
    root: EmbeddedPost,
    rows: (tag) => five((i) => ({ title: `post #${tag} ${i}`, counters: { likes: i, comments: 2 }, address: { city: i % 2 ? "Oslo" : null, stats: { likes: 10 - i, comments: 0 } } })),
    filters: () => [{ counters: { likes: 3 } }, { address: { city: "Oslo" } }, { address: { stats: { likes: 7 } } }],
    orders: [{ counters: { likes: "DESC" } }],
    patch: (row) => ({ counters: { likes: Number((row.counters as Counters).likes) + 100, comments: 5 } }),
  },
  {
    name: "single-table inheritance child",
    source: "typeorm/docs entity-inheritance",
    entities: [Content, Photo, Quiz],
    root: Photo,
    rows: (tag) => five((i) => ({ title: `photo #${tag} ${i}`, description: "d", size: i % 2 ? "big" : null })),
    filters: () => [{ size: "big" }],
    patch: () => ({ size: "small" }),
  },
  {
    name: "single-table inheritance child with a discriminator value",
    source: "typeorm/docs entity-inheritance",
    entities: [Content, Photo, Quiz],
    root: Quiz,
    rows: (tag) => five((i) => ({ title: `quiz #${tag} ${i}`, description: "d", answersCount: i })),
    filters: () => [{ answersCount: 2 }],
    patch: () => ({ answersCount: 9 }),
  },
  {
    name: "single-table inheritance root",
    source: "typeorm/docs entity-inheritance",
    entities: [Content, Photo, Quiz],
    root: Content,
    rows: (tag) => five((i) => ({ title: `content #${tag} ${i}`, description: "d" })),
    patch: () => ({ description: "patched" }),
  },
  ...(
    [
      ["closure-table", ClosureCategory],
      ["materialized-path", PathCategory],
      ["nested-set", NestedCategory],
    ] as const
  ).map(
    ([kind, entity]): MappingCase => ({
      name: `tree (${kind})`,
      source: "typeorm/docs tree-entities",
      entities: [entity],
      root: entity,
      setup: async (ds) => ({ root: await ds.getTreeRepository(entity).save(ds.getTreeRepository(entity).create({ name: "root" })) }),
      rows: (tag, ctx) => five((i) => ({ name: `node #${tag} ${i}`, parent: { id: (ctx.root as { id: number }).id } })),
      filters: () => [{ parent: { name: "root" } }],
      relations: ["parent", "children"],
      patch: () => ({ name: "patched" }),
      refused: { bulkInsert: "UnsupportedMappingError" },
    }),
  ),
  {
    name: "adjacency list",
    source: "typeorm/docs tree-entities",
    entities: [AdjacencyNode],
    root: AdjacencyNode,
    setup: async (ds) => ({ root: await ds.getRepository(AdjacencyNode).save({ name: "root" }) }),
    rows: (tag, ctx) => five((i) => ({ name: `node #${tag} ${i}`, parent: { id: (ctx.root as AdjacencyNode).id } })),
    filters: () => [{ parent: { name: "root" } }, { uw: { children: { name: { startsWith: "node" } } }, orm: { children: { name: Like("node%") } } }],
    relations: ["parent", "children"],
    patch: () => ({ name: "patched" }),
  },
  {
    name: "EntitySchema with a many-to-one",
    source: "typeorm/docs separating-entity-definition",
    entities: [SchemaTeamEntity, SchemaPersonEntity],
    root: SchemaPersonEntity,
    setup: async (ds) => ({ teams: await ds.getRepository(SchemaTeamEntity).save([{ name: "red" }, { name: "blue" }]) }),
    rows: (tag, ctx) => five((i) => ({ firstName: `first #${tag} ${i}`, lastName: i % 2 ? "odd" : "even", team: i === 4 ? null : { id: (ctx.teams as SchemaTeam[])[i % 2]!.id } })),
    filters: () => [{ lastName: "odd" }, { team: { name: "blue" } }],
    orders: [{ lastName: "DESC" }],
    relations: ["team"],
    patch: () => ({ lastName: "patched" }),
  },
  {
    name: "uuid primary key",
    source: "generated",
    entities: [UuidKeyed],
    root: UuidKeyed,
    rows: (tag) => five((i) => ({ label: `label #${tag} ${i}` })),
    orders: [{ label: "DESC" }],
    patch: () => ({ label: "patched" }),
  },
  {
    name: "natural string primary key",
    source: "generated",
    entities: [Country],
    root: Country,
    rows: (tag) => five((i) => ({ code: `c${tag}-${i}`, name: `country #${tag} ${i}` })),
    ignore: ["code"],
    filters: () => [{ uw: { name: { startsWith: "country #1" } }, orm: { name: Like("country #1%") } }],
    patch: () => ({ name: "patched" }),
    upsertKey: ["code"],
  },
  {
    name: "generated and default values, soft delete, version",
    source: "generated",
    entities: [Ticket],
    root: Ticket,
    rows: (tag) => five((i) => (i % 2 ? { state: `state #${tag} ${i}` } : { state: `state #${tag} ${i}`, priority: i })),
    filters: () => [{ priority: 42 }],
    orders: [{ priority: "ASC" }],
    patch: () => ({ state: "patched" }),
  },
  {
    name: "column types",
    source: "generated",
    entities: [AllTypes],
    root: AllTypes,
    rows: (tag) =>
      five((i) => ({
        mood: i % 2 ? Mood.Sad : Mood.Happy,
        moods: [Mood.Sad, Mood.Happy].slice(0, i % 3),
        numbers: [i, i + 1],
        words: i === 3 ? null : ["a b", `w #${tag}`, 'quote " and , comma'],
        tags: ["x", `t${i}`],
        settings: { theme: "dark", size: i },
        payload: i === 2 ? null : { nested: { list: [1, "two", null] }, i },
        blob: i === 1 ? null : Buffer.from([0, 1, 2, 255, i]),
        price: `${i}.50`,
        big: `${9007199254740993n + BigInt(i)}`,
        at: new Date(Date.UTC(2024, 0, 1 + i, 12, 30, 15, 123)),
        localAt: new Date(2024, 5, 1 + i, 8, 0, 0),
        day: `2024-02-0${i + 1}`,
        code: i % 2 ? "AB" : "C ",
        flags: i % 2 ? "101" : "010",
        active: i % 2 === 0,
        ratio: i / 3,
        spot: i === 4 ? null : `(${i},${i + 0.5})`,
        area: i === 4 ? null : `(${i + 1},1),(0,0)`,
      })),
    filters: () => [{ mood: Mood.Sad }, { code: "AB" }, { active: true }, { big: "9007199254740994" }, { price: "2.50" }, { day: "2024-02-03" }],
    orders: [{ price: "DESC" }, { at: "DESC" }, { code: "ASC" }],
    patch: (row) => ({ price: "99.99", code: "ZZ", flags: "111", numbers: [7], tags: ["p"], settings: { theme: "light", size: 0 }, payload: { patched: true }, at: new Date(Date.UTC(2030, 0, 1)), ratio: Number(row.ratio) + 1 }),
  },
  {
    name: "column transformers",
    source: "generated",
    entities: [Transformed],
    root: Transformed,
    rows: (tag) => five((i) => ({ email: `User${i}@Example.COM#${tag}`, amount: i + 0.25 })),
    filters: () => [{ amount: 2.25 }],
    orders: [{ amount: "DESC" }],
    patch: () => ({ email: "PATCHED@X.CO", amount: 9.99 }),
  },
  {
    name: "snake-case naming strategy",
    source: "generated",
    entities: [SnakeAuthor, SnakeBook],
    root: SnakeBook,
    dataSource: { namingStrategy: new SnakeNamingStrategy() },
    setup: async (ds) => ({ authors: await ds.getRepository(SnakeAuthor).save([{ fullName: "Ann Lee" }, { fullName: "Bo Yu" }]) }),
    rows: (tag, ctx) => five((i) => ({ bookTitle: `book #${tag} ${i}`, readCounters: { likes: i, comments: 1 }, writtenBy: { authorId: (ctx.authors as SnakeAuthor[])[i % 2]!.authorId } })),
    filters: (ctx) => [{ writtenBy: { fullName: "Bo Yu" } }, { readCounters: { likes: 2 } }, { writtenBy: { authorId: (ctx.authors as SnakeAuthor[])[0]!.authorId } }],
    orders: [{ bookTitle: "DESC" }],
    relations: ["writtenBy"],
    patch: () => ({ bookTitle: "patched" }),
  },
  {
    name: "snake-case naming, one-to-many side",
    source: "generated",
    entities: [SnakeAuthor, SnakeBook],
    root: SnakeAuthor,
    dataSource: { namingStrategy: new SnakeNamingStrategy() },
    rows: (tag) => five((i) => ({ fullName: `author #${tag} ${i}` })),
    relations: ["books"],
    patch: () => ({ fullName: "patched" }),
  },
  {
    name: "entity in a non-default schema",
    source: "generated",
    entities: [ArchivedNote],
    root: ArchivedNote,
    setup: async () => ({}),
    rows: (tag) => five((i) => ({ body: `body #${tag} ${i}` })),
    sql: ["CREATE SCHEMA archive"],
    filters: () => [{ uw: { body: { endsWith: " 3" } }, orm: { body: Like("% 3") } }],
    patch: () => ({ body: "patched" }),
  },
  {
    name: "eager relation, @RelationId, select: false, explicit key column",
    source: "generated",
    entities: [Owner, Pet],
    root: Pet,
    setup: owners,
    rows: (tag, ctx) => five((i) => ({ name: `pet #${tag} ${i}`, secret: `s${i}`, ownerId: (ctx.owners as Owner[])[i % 2]!.id, vet: { id: (ctx.owners as Owner[])[(i + 1) % 2]!.id } })),
    filters: (ctx) => [{ owner: { name: "bob" } }, { ownerId: (ctx.owners as Owner[])[0]!.id }, { vet: { name: "ann" } }],
    relations: ["owner", "vet"],
    patch: (row) => ({ name: "patched", ownerId: row.ownerId }),
  },
];
