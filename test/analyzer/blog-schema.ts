import "reflect-metadata";
import { Column, DataSource, Entity, EventSubscriber, ManyToOne, OneToMany, PrimaryGeneratedColumn, type EntitySubscriberInterface, type InsertEvent, type LoadEvent, type Relation } from "typeorm";
import { IsInt, IsOptional, IsString } from "class-validator";
import { dataSourceOptionsFromEnv } from "../../src";

/** A small blog schema for the analyzer scenarios. */
@Entity({ name: "author" })
export class Author {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "text" })
  @IsString()
  name!: string;

  @OneToMany(() => Post, (post) => post.author)
  @IsOptional()
  posts?: Relation<Post[]>;
}

@Entity({ name: "post" })
export class Post {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "text" })
  @IsString()
  title!: string;

  @Column({ type: "integer" })
  @IsInt()
  authorId!: number;

  @ManyToOne(() => Author, (author) => author.posts)
  @IsOptional()
  author?: Relation<Author>;

  @OneToMany(() => Comment, (comment) => comment.post)
  @IsOptional()
  comments?: Relation<Comment[]>;
}

@Entity({ name: "comment" })
export class Comment {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "text" })
  @IsString()
  body!: string;

  @Column({ type: "integer" })
  @IsInt()
  postId!: number;

  @ManyToOne(() => Post, (post) => post.comments)
  @IsOptional()
  post?: Relation<Post>;
}

/** A large table without indexes on its filter columns, for the slow-query scenarios. */
@Entity({ name: "visit" })
export class Visit {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "text" })
  @IsString()
  path!: string;

  @Column({ type: "integer" })
  @IsInt()
  userId!: number;
}

/** Lazy relations both ways (TypeORM's RelationLoader issues their statements). */
@Entity({ name: "category" })
export class Category {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "text" })
  name!: string;

  @OneToMany(() => Article, (article) => article.category, { lazy: true })
  articles!: Promise<Article[]>;
}

/** A lazy relation, an eager one (joined by every find) and a cascaded one-to-many. */
@Entity({ name: "article" })
export class Article {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "text" })
  title!: string;

  @Column({ type: "integer" })
  categoryId!: number;

  @ManyToOne(() => Category, (category) => category.articles, { lazy: true })
  category!: Promise<Category>;

  @Column({ type: "integer", nullable: true })
  editorId!: number | null;

  @ManyToOne(() => Author, { eager: true, nullable: true })
  editor?: Relation<Author> | null;

  @OneToMany(() => Tag, (tag) => tag.article, { cascade: true })
  tags?: Relation<Tag[]>;
}

@Entity({ name: "tag" })
export class Tag {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "text" })
  label!: string;

  @Column({ type: "integer" })
  articleId!: number;

  @ManyToOne(() => Article, (article) => article.tags)
  article?: Relation<Article>;
}

/** An audited entity: a subscriber reads on every insert and every load (statements the application never wrote). */
@Entity({ name: "ledger_entry" })
export class LedgerEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "integer" })
  accountId!: number;

  @Column({ type: "integer" })
  amount!: number;

  /** Filled by the subscriber's afterLoad. */
  balance?: number;
}

@EventSubscriber()
export class LedgerSubscriber implements EntitySubscriberInterface<LedgerEntry> {
  listenTo() {
    return LedgerEntry;
  }

  async afterInsert(event: InsertEvent<LedgerEntry>): Promise<void> {
    await event.manager.query(`SELECT count(*) FROM ledger_entry WHERE "accountId" = $1`, [event.entity.accountId]);
  }

  async afterLoad(entry: LedgerEntry, event?: LoadEvent<LedgerEntry>): Promise<void> {
    if (!event) return;
    const [row] = await event.manager.query(`SELECT sum(amount)::int AS balance FROM ledger_entry WHERE "accountId" = $1`, [entry.accountId]);
    entry.balance = row.balance;
  }
}

export const blogEntities = [Author, Post, Comment, Visit, Category, Article, Tag, LedgerEntry];

export function blogDataSource(url: string): DataSource {
  return new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: "6" }), entities: blogEntities, subscribers: [LedgerSubscriber], cache: true, synchronize: true } as never);
}

/** 6 authors with 3 posts each, 2 comments per post, 20,000 visits. */
export async function seedBlog(ds: DataSource): Promise<void> {
  await ds.query(`INSERT INTO author (name) SELECT 'author ' || g FROM generate_series(1, 6) g`);
  await ds.query(`INSERT INTO post (title, "authorId") SELECT 'post ' || g, 1 + (g - 1) % 6 FROM generate_series(1, 18) g`);
  await ds.query(`INSERT INTO comment (body, "postId") SELECT 'comment ' || g, 1 + (g - 1) % 18 FROM generate_series(1, 36) g`);
  await ds.query(`INSERT INTO visit (path, "userId") SELECT '/p/' || (g % 500), g % 997 FROM generate_series(1, 20000) g`);
  await ds.query(`INSERT INTO category (name) SELECT 'category ' || g FROM generate_series(1, 4) g`);
  await ds.query(`INSERT INTO article (title, "categoryId", "editorId") SELECT 'article ' || g, 1 + (g - 1) % 4, 1 + (g - 1) % 6 FROM generate_series(1, 12) g`);
  await ds.query(`INSERT INTO tag (label, "articleId") SELECT 'tag ' || g, 1 + (g - 1) % 12 FROM generate_series(1, 24) g`);
  await ds.query(`INSERT INTO ledger_entry ("accountId", amount) SELECT 1 + (g - 1) % 5, g FROM generate_series(1, 20) g`);
  await ds.query(`ANALYZE`);
}
