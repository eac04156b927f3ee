import { AfterLoad, Column, DeleteDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, RelationId, type Relation, type ValueTransformer } from "typeorm";

/** Euros in the entity, cents in the database. */
const cents: ValueTransformer = {
  to: (value: number | null | undefined) => (value === null || value === undefined ? value : Math.round(value * 100)),
  from: (value: number | null) => (value === null ? null : value / 100),
};

/** Counts the `afterLoad` calls of every entity class below (TypeORM's and unitwork's loads alike). */
export const loads = { author: 0, post: 0 };

export class ReadStats {
  @Column({ default: 0 })
  views!: number;

  @Column({ type: "varchar", nullable: true })
  source!: string | null;
}

@Entity("read_author")
export class ReadAuthor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @DeleteDateColumn({ name: "deleted_at" })
  deletedAt!: Date | null;

  @AfterLoad()
  counted(): void {
    loads.author++;
  }
}

/** Every shape the read path hydrates itself: a transformer, an embedded object, a to-one relation with its key column, soft delete, `select: false`. */
@Entity("read_post")
export class ReadPost {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  title!: string;

  @Column({ type: "integer", transformer: cents })
  price!: number;

  @Column(() => ReadStats)
  stats!: ReadStats;

  @Column({ name: "author_id", type: "integer", nullable: true })
  authorId!: number | null;

  @ManyToOne(() => ReadAuthor, { nullable: true })
  @JoinColumn({ name: "author_id" })
  author?: Relation<ReadAuthor> | null;

  @Column({ type: "varchar", select: false, default: "hidden" })
  secret!: string;

  @DeleteDateColumn({ name: "deleted_at" })
  deletedAt!: Date | null;

  @AfterLoad()
  counted(): void {
    loads.post++;
  }
}

/** `@RelationId`: TypeORM loads it; its statements keep TypeORM's path. */
@Entity("read_note")
export class ReadNote {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  body!: string;

  @ManyToOne(() => ReadPost)
  post!: Relation<ReadPost>;

  @RelationId((note: ReadNote) => note.post)
  postId!: number;
}

export const readEntities = [ReadAuthor, ReadPost, ReadNote];
