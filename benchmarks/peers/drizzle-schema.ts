import { relations } from "drizzle-orm";
import { bigserial, char, integer, pgTable, serial, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

/** The benchmark's tables as Drizzle declares them (the same tables bench-schema.ts and read-schema.ts create). */
export const benchLogs = pgTable("bench_logs", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  uuid: uuid("uuid").notNull().defaultRandom(),
  functionId: integer("function_id").notNull(),
  level: varchar("level", { length: 10 }).notNull(),
  message: text("message").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const benchUpserts = pgTable("bench_upserts", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  key: varchar("key", { length: 40 }).notNull().unique("uq_bench_upserts_key"),
  functionId: integer("function_id").notNull(),
  level: varchar("level", { length: 10 }).notNull(),
  message: text("message").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accounts = pgTable("bench_accounts", {
  aid: integer("aid").primaryKey(),
  bid: integer("bid").notNull(),
  abalance: integer("abalance").notNull(),
  filler: char("filler", { length: 84 }).notNull().default(""),
});

export const tellers = pgTable("bench_tellers", { tid: integer("tid").primaryKey(), bid: integer("bid").notNull(), tbalance: integer("tbalance").notNull() });

export const branches = pgTable("bench_branches", { bid: integer("bid").primaryKey(), bbalance: integer("bbalance").notNull() });

export const history = pgTable("bench_history", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  tid: integer("tid").notNull(),
  bid: integer("bid").notNull(),
  aid: integer("aid").notNull(),
  delta: integer("delta").notNull(),
  mtime: timestamp("mtime", { withTimezone: true }).notNull().defaultNow(),
});

export const authors = pgTable("bench_authors", {
  id: serial("id").primaryKey(),
  name: varchar("name", { length: 60 }).notNull(),
  email: varchar("email", { length: 120 }).notNull(),
});

export const items = pgTable("bench_items", {
  id: serial("id").primaryKey(),
  authorId: integer("author_id")
    .notNull()
    .references(() => authors.id),
  status: varchar("status", { length: 12 }).notNull(),
  score: integer("score").notNull(),
  title: varchar("title", { length: 100 }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

export const itemsRelations = relations(items, ({ one }) => ({ author: one(authors, { fields: [items.authorId], references: [authors.id] }) }));

export const drizzleSchema = { benchLogs, benchUpserts, accounts, tellers, branches, history, authors, items, itemsRelations };
