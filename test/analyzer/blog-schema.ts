import "reflect-metadata";
import { Column, DataSource, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn, type Relation } from "typeorm";
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

export const blogEntities = [Author, Post, Comment, Visit];

export function blogDataSource(url: string): DataSource {
  return new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: "6" }), entities: blogEntities, synchronize: true } as never);
}

/** 6 authors with 3 posts each, 2 comments per post, 20,000 visits. */
export async function seedBlog(ds: DataSource): Promise<void> {
  await ds.query(`INSERT INTO author (name) SELECT 'author ' || g FROM generate_series(1, 6) g`);
  await ds.query(`INSERT INTO post (title, "authorId") SELECT 'post ' || g, 1 + (g - 1) % 6 FROM generate_series(1, 18) g`);
  await ds.query(`INSERT INTO comment (body, "postId") SELECT 'comment ' || g, 1 + (g - 1) % 18 FROM generate_series(1, 36) g`);
  await ds.query(`INSERT INTO visit (path, "userId") SELECT '/p/' || (g % 500), g % 997 FROM generate_series(1, 20000) g`);
  await ds.query(`ANALYZE`);
}
