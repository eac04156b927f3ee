import { and, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { PAGE_SIZE } from "../read-schema";
import { accounts, benchLogs, benchUpserts, branches, drizzleSchema, history, items, tellers } from "./drizzle-schema";
import { canonAuthor, chunksOf, iso, versionOf, type KeysetPosition, type Peer, type PeerOptions } from "./peer";

const CHUNK = 1_000;

/**
 * Drizzle ORM on node-postgres at its documented best: prepared statements for the hot reads
 * (`.prepare(name)`), the relational query API (`db.query.…findMany({ with })`) for relations,
 * `insert().values().returning()`, the "update many with different values" guide (CASE WHEN),
 * `onConflictDoUpdate` with `excluded`, and the cursor-pagination guide's keyset condition.
 * Drizzle has no streaming API for node-postgres.
 */
export async function openDrizzlePeer({ url, poolMax }: PeerOptions): Promise<Peer> {
  const pool = new Pool({ connectionString: url, max: poolMax });
  pool.on("error", () => undefined);
  const db = drizzle({ client: pool, schema: drizzleSchema });
  const newestFirst = [desc(items.createdAt), desc(items.id)];
  const byId = db.query.items.findFirst({ where: eq(items.id, sql.placeholder("id")) }).prepare("d_item");
  const pageOf = db.query.items
    .findMany({ where: eq(items.status, sql.placeholder("status")), orderBy: newestFirst, limit: PAGE_SIZE, with: { author: true } })
    .prepare("d_page");
  const countOf = db.select({ n: sql<number>`count(*)::int` }).from(items).where(eq(items.authorId, sql.placeholder("authorId"))).prepare("d_count");
  const authorPage = db.query.items
    .findMany({ where: eq(items.authorId, sql.placeholder("authorId")), orderBy: newestFirst, limit: PAGE_SIZE, offset: sql.placeholder("offset"), with: { author: true } })
    .prepare("d_apage");
  const offsetPage = db.select().from(items).orderBy(...newestFirst).limit(PAGE_SIZE).offset(sql.placeholder("offset")).prepare("d_offset");
  const firstPage = db.select().from(items).orderBy(...newestFirst).limit(PAGE_SIZE).prepare("d_keyset0");
  const cursor = { createdAt: sql.placeholder("createdAt"), id: sql.placeholder("id") };
  const keysetPage = db
    .select()
    .from(items)
    .where(or(lt(items.createdAt, cursor.createdAt as never), and(eq(items.createdAt, cursor.createdAt as never), lt(items.id, cursor.id))))
    .orderBy(...newestFirst)
    .limit(PAGE_SIZE)
    .prepare("d_keyset");
  return {
    key: "drizzle",
    label: `Drizzle ORM ${versionOf("drizzle-orm")}`,
    how: {
      insert: `insert().values(chunk).returning({ id }), ${CHUNK.toLocaleString("en-US")}/stmt`,
      update: `update().set({ col: CASE WHEN … }) guide, ${CHUNK.toLocaleString("en-US")}/stmt`,
      upsert: `insert().values(chunk).onConflictDoUpdate(excluded.*), ${CHUNK.toLocaleString("en-US")}/stmt`,
      tpcb: "db.transaction with update().set(sql`col + delta`)",
      getById: "prepared query.findFirst",
      page: "prepared query.findMany({ with: { author: true } })",
      paginate: "prepared count + prepared query.findMany({ offset, with })",
      offset: "prepared select().limit().offset()",
      keyset: "prepared select() with the cursor guide's or(lt, and(eq, lt))",
    },
    async insert(rows) {
      let ids = 0;
      await db.transaction(async (tx) => {
        for (const chunk of chunksOf(rows, CHUNK)) ids += (await tx.insert(benchLogs).values(chunk).returning({ id: benchLogs.id })).length;
      });
      return ids;
    },
    async update(rows, ids) {
      await db.transaction(async (tx) => {
        for (let start = 0; start < rows.length; start += CHUNK) {
          const chunk = rows.slice(start, start + CHUNK);
          const keys = ids.slice(start, start + CHUNK).map(Number);
          const caseOf = (column: "level" | "message"): SQL =>
            sql.join([sql`(case`, ...chunk.map((r, j) => sql`when ${benchLogs.id} = ${keys[j]} then ${r[column]}`), sql`end)`], sql.raw(" "));
          await tx.update(benchLogs).set({ level: caseOf("level"), message: caseOf("message") }).where(inArray(benchLogs.id, keys));
        }
      });
    },
    async upsert(rows, keys) {
      await db.transaction(async (tx) => {
        for (let start = 0; start < rows.length; start += CHUNK) {
          const values = rows.slice(start, start + CHUNK).map((r, j) => ({ key: keys[start + j]!, ...r }));
          await tx
            .insert(benchUpserts)
            .values(values)
            .onConflictDoUpdate({
              target: benchUpserts.key,
              set: { functionId: sql.raw("excluded.function_id"), level: sql.raw("excluded.level"), message: sql.raw("excluded.message"), updatedAt: sql`CURRENT_TIMESTAMP` },
            });
        }
      });
    },
    async tpcb(t) {
      await db.transaction(async (tx) => {
        await tx.update(accounts).set({ abalance: sql`${accounts.abalance} + ${t.delta}` }).where(eq(accounts.aid, t.aid));
        await tx.select({ abalance: accounts.abalance }).from(accounts).where(eq(accounts.aid, t.aid));
        await tx.update(tellers).set({ tbalance: sql`${tellers.tbalance} + ${t.delta}` }).where(eq(tellers.tid, t.tid));
        await tx.update(branches).set({ bbalance: sql`${branches.bbalance} + ${t.delta}` }).where(eq(branches.bid, t.bid));
        await tx.insert(history).values({ tid: t.tid, bid: t.bid, aid: t.aid, delta: t.delta, mtime: sql`CURRENT_TIMESTAMP` });
      });
    },
    getById: async (id) => (await byId.execute({ id })) ?? null,
    page: (status) => pageOf.execute({ status }),
    async paginate(authorId, page) {
      const [{ n }] = (await countOf.execute({ authorId })) as [{ n: number }];
      return { items: await authorPage.execute({ authorId, offset: (page - 1) * PAGE_SIZE }), total: n };
    },
    offsetPage: (page) => offsetPage.execute({ offset: (page - 1) * PAGE_SIZE }),
    keysetCursor: async (position) => position,
    keysetPage(c) {
      if (!c) return firstPage.execute();
      const { createdAt, id } = c as KeysetPosition;
      return keysetPage.execute({ createdAt: createdAt.toISOString(), id });
    },
    canon(item) {
      const i = item as typeof items.$inferSelect & { author?: { id: number; name: string; email: string } };
      return { id: i.id, authorId: i.authorId, status: i.status, score: i.score, title: i.title, createdAt: iso(i.createdAt), ...(i.author ? { author: canonAuthor(i.author) } : {}) };
    },
    close: () => pool.end(),
  };
}

