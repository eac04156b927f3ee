import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";

/**
 * The read benchmark's tables: items, each with a to-one author. Integer keys, so that every client
 * returns the key as a JavaScript number and the rows compare equal across clients.
 */
@Entity({ name: "bench_authors" })
export class BenchAuthor {
  @PrimaryGeneratedColumn("increment", { type: "integer" })
  id!: number;

  @Column({ type: "varchar", length: 60 })
  name!: string;

  @Column({ type: "varchar", length: 120 })
  email!: string;
}

@Entity({ name: "bench_items" })
export class BenchItem {
  @PrimaryGeneratedColumn("increment", { type: "integer" })
  id!: number;

  @Column({ type: "integer", name: "author_id" })
  authorId!: number;

  @ManyToOne(() => BenchAuthor)
  @JoinColumn({ name: "author_id" })
  author?: BenchAuthor;

  @Column({ type: "varchar", length: 12 })
  status!: string;

  @Column({ type: "integer" })
  score!: number;

  @Column({ type: "varchar", length: 100 })
  title!: string;

  @Column({ type: "timestamptz", name: "created_at" })
  createdAt!: Date;
}

export const readEntities = [BenchAuthor, BenchItem];

export const AUTHORS = 1_000;
export const STATUSES = ["open", "active", "closed", "archived"] as const;
export const PAGE_SIZE = 20;

/**
 * Fills the read tables with `items` rows (untimed, in SQL). `created_at` is a permutation of the ids
 * (7919 is prime, so `i * 7919 mod n` visits every second once), so that the date order is not the
 * key order and a sort by date really sorts.
 */
export function readSchema(items: number): string[] {
  return [
    `CREATE TABLE bench_authors (id serial PRIMARY KEY, name varchar(60) NOT NULL, email varchar(120) NOT NULL) WITH (autovacuum_enabled = false)`,
    `CREATE TABLE bench_items (
       id serial PRIMARY KEY,
       author_id integer NOT NULL REFERENCES bench_authors (id),
       status varchar(12) NOT NULL,
       score integer NOT NULL,
       title varchar(100) NOT NULL,
       created_at timestamptz NOT NULL) WITH (autovacuum_enabled = false)`,
    `INSERT INTO bench_authors (name, email) SELECT 'Author ' || a, 'author' || a || '@example.com' FROM generate_series(1, ${AUTHORS}) a`,
    `INSERT INTO bench_items (author_id, status, score, title, created_at)
       SELECT 1 + (i * 31) % ${AUTHORS}, (ARRAY['${STATUSES.join("','")}'])[1 + i % 4], (i * 37) % 1000,
              'Item ' || i || ': ' || md5(i::text), timestamptz '2026-01-01 00:00:00+00' + ((i::bigint * 7919) % ${items}) * interval '1 second'
       FROM generate_series(1, ${items}) i`,
    `CREATE INDEX bench_items_created ON bench_items (created_at DESC, id DESC)`,
    `CREATE INDEX bench_items_status_created ON bench_items (status, created_at DESC, id DESC)`,
    `CREATE INDEX bench_items_author_created ON bench_items (author_id, created_at DESC, id DESC)`,
    `VACUUM ANALYZE bench_authors, bench_items`,
  ];
}
