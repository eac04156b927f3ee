import { EntitySchema, type Ref } from "@mikro-orm/core";

/** The benchmark's tables as MikroORM entity schemas (no decorators, so no metadata provider is needed). */
export interface MLog {
  id: string;
  uuid?: string;
  functionId: number;
  level: string;
  message: string;
  createdAt?: Date;
}

export const MLogSchema = new EntitySchema<MLog>({
  name: "MLog",
  tableName: "bench_logs",
  properties: {
    id: { type: "bigint", primary: true, autoincrement: true },
    uuid: { type: "uuid", defaultRaw: "gen_random_uuid()", nullable: true },
    functionId: { type: "integer", fieldName: "function_id" },
    level: { type: "string", length: 10 },
    message: { type: "text" },
    createdAt: { type: "Date", columnType: "timestamptz", fieldName: "created_at", defaultRaw: "now()", nullable: true },
  },
});

export interface MUpsert {
  id?: string;
  key: string;
  functionId: number;
  level: string;
  message: string;
  updatedAt?: Date;
}

export const MUpsertSchema = new EntitySchema<MUpsert>({
  name: "MUpsert",
  tableName: "bench_upserts",
  properties: {
    id: { type: "bigint", primary: true, autoincrement: true },
    key: { type: "string", length: 40, unique: "uq_bench_upserts_key" },
    functionId: { type: "integer", fieldName: "function_id" },
    level: { type: "string", length: 10 },
    message: { type: "text" },
    updatedAt: { type: "Date", columnType: "timestamptz", fieldName: "updated_at", defaultRaw: "now()", nullable: true },
  },
});

export interface MAccount {
  aid: number;
  bid: number;
  abalance: number;
}

export const MAccountSchema = new EntitySchema<MAccount>({
  name: "MAccount",
  tableName: "bench_accounts",
  properties: { aid: { type: "integer", primary: true }, bid: { type: "integer" }, abalance: { type: "integer" } },
});

export interface MTeller {
  tid: number;
  bid: number;
  tbalance: number;
}

export const MTellerSchema = new EntitySchema<MTeller>({
  name: "MTeller",
  tableName: "bench_tellers",
  properties: { tid: { type: "integer", primary: true }, bid: { type: "integer" }, tbalance: { type: "integer" } },
});

export interface MBranch {
  bid: number;
  bbalance: number;
}

export const MBranchSchema = new EntitySchema<MBranch>({
  name: "MBranch",
  tableName: "bench_branches",
  properties: { bid: { type: "integer", primary: true }, bbalance: { type: "integer" } },
});

export interface MHistory {
  id?: string;
  tid: number;
  bid: number;
  aid: number;
  delta: number;
  mtime?: Date;
}

export const MHistorySchema = new EntitySchema<MHistory>({
  name: "MHistory",
  tableName: "bench_history",
  properties: {
    id: { type: "bigint", primary: true, autoincrement: true },
    tid: { type: "integer" },
    bid: { type: "integer" },
    aid: { type: "integer" },
    delta: { type: "integer" },
    mtime: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", nullable: true },
  },
});

export interface MAuthor {
  id: number;
  name: string;
  email: string;
}

export const MAuthorSchema = new EntitySchema<MAuthor>({
  name: "MAuthor",
  tableName: "bench_authors",
  properties: { id: { type: "integer", primary: true, autoincrement: true }, name: { type: "string", length: 60 }, email: { type: "string", length: 120 } },
});

export interface MItem {
  id: number;
  author: Ref<MAuthor> | MAuthor;
  status: string;
  score: number;
  title: string;
  createdAt: Date;
}

export const MItemSchema = new EntitySchema<MItem>({
  name: "MItem",
  tableName: "bench_items",
  properties: {
    id: { type: "integer", primary: true, autoincrement: true },
    author: { kind: "m:1", entity: () => MAuthorSchema, fieldName: "author_id" },
    status: { type: "string", length: 12 },
    score: { type: "integer" },
    title: { type: "string", length: 100 },
    createdAt: { type: "Date", columnType: "timestamptz", fieldName: "created_at" },
  },
});

export const mikroEntities = [MLogSchema, MUpsertSchema, MAccountSchema, MTellerSchema, MBranchSchema, MHistorySchema, MAuthorSchema, MItemSchema];
