/**
 * Mappings in the shapes of TypeORM's own samples and documentation (typeorm/typeorm, MIT; see
 * ../README.md for each source). Table names carry the sample's prefix, as there.
 */
import { Column, CreateDateColumn, Entity, JoinColumn, JoinTable, ManyToMany, ManyToOne, OneToMany, OneToOne, PrimaryColumn, PrimaryGeneratedColumn, type Relation } from "typeorm";
import type { MappingCase } from "../harness";

// sample1-simple-entity
@Entity("sample01_post")
export class SimplePost {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @Column({ nullable: false })
  text!: string;

  @Column({ nullable: false })
  likesCount!: number;
}

// sample3-many-to-one (a relation with no @Column for its key) and its inverse one-to-many
@Entity("sample03_post_category")
export class PostCategory {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @OneToMany(() => CategorizedPost, (post) => post.category)
  posts!: CategorizedPost[];
}

@Entity("sample03_post")
export class CategorizedPost {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @ManyToOne(() => PostCategory, (category) => category.posts, { nullable: true })
  category!: PostCategory | null;
}

// sample2-one-to-one: the owner with @JoinColumn, the inverse side without
@Entity("sample02_post_details")
export class PostDetails {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "varchar", nullable: true })
  authorName!: string | null;

  @OneToOne(() => DetailedPost, (post) => post.details)
  post!: Relation<DetailedPost>;
}

@Entity("sample02_post")
export class DetailedPost {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @OneToOne(() => PostDetails, (details) => details.post, { nullable: true })
  @JoinColumn()
  details!: PostDetails | null;
}

// docs "Many-to-many relations": Question / Category with the default join table
@Entity("docs_m2m_category")
export class Category {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;
}

@Entity("docs_m2m_question")
export class Question {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @ManyToMany(() => Category)
  @JoinTable()
  categories!: Category[];
}

// sample21-custom-join-table-column: the join table and its columns named
@Entity("sample21_category")
export class NamedCategory {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @ManyToMany(() => NamedPost, (post) => post.categories)
  posts!: NamedPost[];
}

@Entity("sample21_post")
export class NamedPost {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @ManyToMany(() => NamedCategory, (category) => category.posts)
  @JoinTable({ name: "sample21_post_categories", joinColumn: { name: "post", referencedColumnName: "id" }, inverseJoinColumn: { name: "category", referencedColumnName: "id" } })
  categories!: NamedCategory[];
}

// sample27-composite-primary-keys
@Entity("sample27_composite")
export class CompositePost {
  @PrimaryColumn()
  firstId!: number;

  @PrimaryColumn()
  secondId!: number;

  @Column()
  title!: string;

  @CreateDateColumn()
  createdAt!: Date;
}

const five = (make: (i: number) => Record<string, unknown>) => Array.from({ length: 5 }, (_, i) => make(i));

export const typeormSampleCases: MappingCase[] = [
  {
    name: "simple entity",
    source: "typeorm/sample1-simple-entity",
    entities: [SimplePost],
    root: SimplePost,
    rows: (tag) => five((i) => ({ title: `post #${tag} ${i}`, text: `text ${i % 2}`, likesCount: i * 10 })),
    filters: () => [{ text: "text 1" }, { likesCount: 20 }],
    orders: [{ likesCount: "DESC" }, { title: "ASC" }],
    patch: (row) => ({ likesCount: Number(row.likesCount) + 1 }),
  },
  {
    name: "many-to-one without a key column",
    source: "typeorm/sample3-many-to-one",
    entities: [PostCategory, CategorizedPost],
    root: CategorizedPost,
    setup: async (ds) => ({ categories: await ds.getRepository(PostCategory).save([{ name: "news" }, { name: "tech" }]) }),
    rows: (tag, ctx) => five((i) => ({ title: `post #${tag} ${i}`, category: i === 4 ? null : { id: (ctx.categories as PostCategory[])[i % 2]!.id } })),
    filters: (ctx) => [{ category: { name: "tech" } }, { category: { id: (ctx.categories as PostCategory[])[0]!.id } }],
    relations: ["category"],
    patch: () => ({ title: "patched" }),
  },
  {
    name: "one-to-many (inverse side)",
    source: "typeorm/sample3-many-to-one",
    entities: [PostCategory, CategorizedPost],
    root: PostCategory,
    rows: (tag) => five((i) => ({ name: `category #${tag} ${i}` })),
    setup: async () => ({}),
    relations: ["posts"],
    patch: () => ({ name: "patched" }),
  },
  {
    name: "one-to-one owner",
    source: "typeorm/sample2-one-to-one",
    entities: [PostDetails, DetailedPost],
    root: DetailedPost,
    setup: async (ds) => ({ details: await ds.getRepository(PostDetails).save(Array.from({ length: 20 }, (_, i) => ({ authorName: `author #${Math.floor(i / 2)} ${i % 2}` }))) }),
    rows: (tag, ctx) => five((i) => (i < 2 ? { title: `post #${tag} ${i}`, details: { id: (ctx.details as PostDetails[])[tag * 2 + i]!.id } } : { title: `post #${tag} ${i}` })),
    filters: () => [{ details: { authorName: "author #1 0" } }],
    relations: ["details"],
    patch: () => ({ title: "patched" }),
  },
  {
    name: "one-to-one inverse side",
    source: "typeorm/sample2-one-to-one",
    entities: [PostDetails, DetailedPost],
    root: PostDetails,
    rows: (tag) => five((i) => ({ authorName: `author #${tag} ${i}` })),
    relations: ["post"],
    patch: () => ({ authorName: "patched" }),
  },
  {
    name: "many-to-many, default join table",
    source: "typeorm/docs many-to-many-relations",
    entities: [Category, Question],
    root: Question,
    setup: async (ds) => ({ categories: await ds.getRepository(Category).save([{ name: "animals" }, { name: "zoo" }]) }),
    rows: (tag, ctx) => five((i) => ({ title: `question #${tag} ${i}`, categories: (ctx.categories as Category[]).slice(0, i % 3).map((c) => ({ id: c.id })) })),
    filters: () => [{ categories: { name: "zoo" } }, { categories: { name: "animals" } }],
    relations: ["categories"],
    patch: () => ({ title: "patched" }),
    refused: { bulkInsert: "UnsupportedMappingError" },
  },
  {
    name: "many-to-many, custom join table",
    source: "typeorm/sample21-custom-join-table-column",
    entities: [NamedCategory, NamedPost],
    root: NamedPost,
    setup: async (ds) => ({ categories: await ds.getRepository(NamedCategory).save([{ name: "a" }, { name: "b" }]) }),
    rows: (tag, ctx) => five((i) => ({ title: `post #${tag} ${i}`, categories: (ctx.categories as NamedCategory[]).slice(0, i % 3).map((c) => ({ id: c.id })) })),
    filters: () => [{ categories: { name: "b" } }],
    relations: ["categories"],
    refused: { bulkInsert: "UnsupportedMappingError" },
  },
  {
    name: "many-to-many, inverse side",
    source: "typeorm/sample21-custom-join-table-column",
    entities: [NamedCategory, NamedPost],
    root: NamedCategory,
    rows: (tag) => five((i) => ({ name: `category #${tag} ${i}` })),
    relations: ["posts"],
  },
  {
    name: "composite primary key",
    source: "typeorm/sample27-composite-primary-keys",
    entities: [CompositePost],
    root: CompositePost,
    rows: (tag) => five((i) => ({ firstId: tag, secondId: i, title: `post #${tag} ${i}` })),
    filters: () => [{ secondId: 3 }],
    orders: [{ title: "DESC" }],
    ignore: ["firstId"],
    patch: () => ({ title: "patched" }),
    upsertKey: ["firstId", "secondId"],
  },
];
