import { Column, CreateDateColumn, Entity, Generated, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

/** The insert/update table: shaped like function_logs (PERFORMANCE.md), with no foreign key. */
@Entity({ name: "bench_logs" })
export class BenchLog {
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id!: string;

  @Column({ type: "uuid" })
  @Generated("uuid")
  uuid!: string;

  @Column({ type: "integer", name: "function_id" })
  functionId!: number;

  @Column({ type: "varchar", length: 10 })
  level!: string;

  @Column({ type: "text" })
  message!: string;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  createdAt!: Date;
}

/** The upsert table: a natural unique key next to the generated one. */
@Entity({ name: "bench_upserts" })
export class BenchUpsert {
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id!: string;

  @Column({ type: "varchar", length: 40, unique: true })
  key!: string;

  @Column({ type: "integer", name: "function_id" })
  functionId!: number;

  @Column({ type: "varchar", length: 10 })
  level!: string;

  @Column({ type: "text" })
  message!: string;

  @UpdateDateColumn({ type: "timestamptz", name: "updated_at" })
  updatedAt!: Date;
}

/** pgbench's tables (scale 1: 1 branch, 10 tellers, 100,000 accounts); history gets a key for the ORMs. */
@Entity({ name: "bench_accounts" })
export class Account {
  @PrimaryColumn({ type: "integer" })
  aid!: number;

  @Column({ type: "integer" })
  bid!: number;

  @Column({ type: "integer" })
  abalance!: number;

  @Column({ type: "char", length: 84, default: "" })
  filler!: string;
}

@Entity({ name: "bench_tellers" })
export class Teller {
  @PrimaryColumn({ type: "integer" })
  tid!: number;

  @Column({ type: "integer" })
  bid!: number;

  @Column({ type: "integer" })
  tbalance!: number;
}

@Entity({ name: "bench_branches" })
export class Branch {
  @PrimaryColumn({ type: "integer" })
  bid!: number;

  @Column({ type: "integer" })
  bbalance!: number;
}

@Entity({ name: "bench_history" })
export class History {
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id!: string;

  @Column({ type: "integer" })
  tid!: number;

  @Column({ type: "integer" })
  bid!: number;

  @Column({ type: "integer" })
  aid!: number;

  @Column({ type: "integer" })
  delta!: number;

  @CreateDateColumn({ type: "timestamptz" })
  mtime!: Date;
}

export const benchEntities = [BenchLog, BenchUpsert, Account, Teller, Branch, History];

export const ACCOUNTS = 100_000;
export const TELLERS = 10;

/**
 * The schema, created by hand so every path writes to exactly the same tables. Autovacuum is off for
 * them: the benchmark vacuums where it needs to, untimed, and an autovacuum started by one run's
 * writes would otherwise compete with the next run.
 */
export const BENCH_SCHEMA: readonly string[] = [
  `CREATE TABLE bench_logs (
     id bigserial PRIMARY KEY,
     uuid uuid NOT NULL DEFAULT gen_random_uuid(),
     function_id integer NOT NULL,
     level varchar(10) NOT NULL,
     message text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()) WITH (autovacuum_enabled = false)`,
  `CREATE TABLE bench_upserts (
     id bigserial PRIMARY KEY,
     key varchar(40) NOT NULL CONSTRAINT uq_bench_upserts_key UNIQUE,
     function_id integer NOT NULL,
     level varchar(10) NOT NULL,
     message text NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now()) WITH (autovacuum_enabled = false)`,
  `CREATE TABLE bench_branches (bid integer PRIMARY KEY, bbalance integer NOT NULL) WITH (autovacuum_enabled = false)`,
  `CREATE TABLE bench_tellers (tid integer PRIMARY KEY, bid integer NOT NULL, tbalance integer NOT NULL) WITH (autovacuum_enabled = false)`,
  `CREATE TABLE bench_accounts (aid integer PRIMARY KEY, bid integer NOT NULL, abalance integer NOT NULL, filler char(84) NOT NULL DEFAULT '') WITH (autovacuum_enabled = false)`,
  `CREATE TABLE bench_history (id bigserial PRIMARY KEY, tid integer NOT NULL, bid integer NOT NULL, aid integer NOT NULL, delta integer NOT NULL, mtime timestamptz NOT NULL DEFAULT now()) WITH (autovacuum_enabled = false)`,
  `INSERT INTO bench_branches VALUES (1, 0)`,
  `INSERT INTO bench_tellers SELECT t, 1, 0 FROM generate_series(1, ${TELLERS}) t`,
  `INSERT INTO bench_accounts (aid, bid, abalance) SELECT a, 1, 0 FROM generate_series(1, ${ACCOUNTS}) a`,
  `VACUUM ANALYZE`,
];
