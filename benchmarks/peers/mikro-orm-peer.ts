import { Cursor, MikroORM, raw, type EntityManager } from "@mikro-orm/postgresql";
import { PAGE_SIZE } from "../read-schema";
import { MAccountSchema, MBranchSchema, MHistorySchema, MItemSchema, MLogSchema, MTellerSchema, MUpsertSchema, mikroEntities, type MAuthor, type MItem } from "./mikro-orm-schema";
import { canonAuthor, chunksOf, iso, versionOf, type KeysetPosition, type Peer, type PeerOptions } from "./peer";

const CHUNK = 1_000;
const NEWEST_FIRST = [{ createdAt: "desc" }, { id: "desc" }] as const;

/**
 * MikroORM 6.6 at its documented best: a fork of the EntityManager per request (the identity map is
 * per request, so no read is answered from a cache), `insertMany`/`upsertMany` in chunks, per-row
 * updates flushed by the unit of work (batched CASE WHEN updates), `nativeUpdate` with `raw()` for
 * TPC-B's increments, `findAndCount`, `findByCursor`. MikroORM 6.6 has no streaming API (`em.stream`
 * arrived in 7.0, which needs Node 22).
 */
export async function openMikroOrmPeer({ url, poolMax }: PeerOptions): Promise<Peer> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: mikroEntities,
    pool: { min: 0, max: poolMax },
    debug: false,
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    batchSize: CHUNK,
  });
  const fork = (): EntityManager => orm.em.fork();
  return {
    key: "mikroorm",
    label: `MikroORM ${versionOf("@mikro-orm/core")}`,
    how: {
      insert: `insertMany(em.create(…) of the chunk), ${CHUNK.toLocaleString("en-US")}/stmt`,
      update: `getReference + assign + flush (batched CASE WHEN, ${CHUNK.toLocaleString("en-US")}/stmt)`,
      upsert: `upsertMany(chunk, { onConflictFields: ['key'] }), ${CHUNK.toLocaleString("en-US")}/stmt`,
      tpcb: "em.transactional with nativeUpdate(raw('col + ?'))",
      getById: "em.fork().findOne(id)",
      page: "em.fork().find({ populate: ['author'], orderBy, limit: 20 })",
      paginate: "em.fork().findAndCount({ populate, orderBy, limit, offset })",
      offset: "em.fork().find({ orderBy, limit, offset })",
      keyset: "em.fork().findByCursor({ first: 20, after, includeCount: false })",
    },
    async insert(rows) {
      let ids = 0;
      await fork().transactional(async (em) => {
        // entities, not plain objects: insertMany of plain objects returns only the first id
        for (const chunk of chunksOf(rows, CHUNK)) ids += (await em.insertMany(chunk.map((r) => em.create(MLogSchema, r, { persist: false })))).filter((id) => id !== undefined).length;
      });
      return ids;
    },
    async update(rows, ids) {
      await fork().transactional(async (em) => {
        for (let start = 0; start < rows.length; start += CHUNK) {
          for (let i = start; i < Math.min(rows.length, start + CHUNK); i++) {
            const entity = em.getReference(MLogSchema, ids[i]!);
            em.assign(entity, { level: rows[i]!.level, message: rows[i]!.message });
          }
          await em.flush();
          em.clear();
        }
      });
    },
    async upsert(rows, keys) {
      await fork().transactional(async (em) => {
        for (let start = 0; start < rows.length; start += CHUNK) {
          const data = rows.slice(start, start + CHUNK).map((r, j) => ({ key: keys[start + j]!, ...r, updatedAt: new Date() }));
          await em.upsertMany(MUpsertSchema, data, { onConflictFields: ["key"], onConflictAction: "merge", onConflictExcludeFields: ["id"], batchSize: CHUNK });
          em.clear();
        }
      });
    },
    async tpcb(t) {
      await fork().transactional(async (em) => {
        await em.nativeUpdate(MAccountSchema, { aid: t.aid }, { abalance: raw("abalance + ?", [t.delta]) });
        await em.findOne(MAccountSchema, { aid: t.aid }, { fields: ["abalance"] });
        await em.nativeUpdate(MTellerSchema, { tid: t.tid }, { tbalance: raw("tbalance + ?", [t.delta]) });
        await em.nativeUpdate(MBranchSchema, { bid: t.bid }, { bbalance: raw("bbalance + ?", [t.delta]) });
        await em.insert(MHistorySchema, { tid: t.tid, bid: t.bid, aid: t.aid, delta: t.delta, mtime: new Date() });
      });
    },
    getById: (id) => fork().findOne(MItemSchema, id),
    page: (status) => fork().find(MItemSchema, { status }, { populate: ["author"], orderBy: [...NEWEST_FIRST], limit: PAGE_SIZE }),
    async paginate(authorId, page) {
      const [found, total] = await fork().findAndCount(MItemSchema, { author: authorId }, { populate: ["author"], orderBy: [...NEWEST_FIRST], limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
      return { items: found, total };
    },
    offsetPage: (page) => fork().find(MItemSchema, {}, { orderBy: [...NEWEST_FIRST], limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    keysetCursor: async (position: KeysetPosition | null) => (position ? Cursor.encode([position.createdAt, position.id]) : undefined),
    async keysetPage(cursor) {
      const page = await fork().findByCursor(MItemSchema, {}, { first: PAGE_SIZE, after: cursor as string | undefined, orderBy: [...NEWEST_FIRST], includeCount: false });
      return page.items;
    },
    canon(item) {
      const i = item as MItem;
      const author = i.author as MAuthor & { isInitialized?: () => boolean; __helper?: { __initialized?: boolean } };
      const loaded = author && (author as { __helper?: { __initialized?: boolean } }).__helper?.__initialized !== false && author.name !== undefined;
      return { id: i.id, authorId: author.id, status: i.status, score: i.score, title: i.title, createdAt: iso(i.createdAt), ...(loaded ? { author: canonAuthor(author) } : {}) };
    },
    close: () => orm.close(true),
  };
}
