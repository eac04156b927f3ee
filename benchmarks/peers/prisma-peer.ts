import { join } from "node:path";
import { PAGE_SIZE } from "../read-schema";
import { canonAuthor, chunksOf, iso, versionOf, type KeysetPosition, type Peer, type PeerOptions } from "./peer";
import { generatePrismaClient } from "./prisma-client";

const CHUNK = 1_000;
const NEWEST_FIRST = [{ createdAt: "desc" }, { id: "desc" }];
/** Interactive transactions of a bulk path run for minutes at 100,000 rows (the default timeout is 5 s). */
const LONG = { timeout: 600_000, maxWait: 60_000 };

/**
 * The generated client is made at bench start (it is not in the repository), so its types are not
 * known to the type checker here: the client is used through this loose shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

/**
 * Prisma 7 (the Rust-free client) on the `pg` driver adapter at its documented best: `createManyAndReturn`
 * in chunks, `include` for the relation (the default "query" strategy: `relationLoadStrategy: "join"`
 * is still a preview feature), `$transaction([count, findMany])` for a page with its total, cursor
 * pagination with `cursor`/`skip: 1`, `increment` for TPC-B. Prisma has no bulk update with per-row
 * values nor a bulk upsert: those are one `update`/`upsert` per row in a transaction. It has no
 * streaming API.
 */
export async function openPrismaPeer({ url, poolMax }: PeerOptions): Promise<Peer> {
  const out = await generatePrismaClient();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaClient } = require(join(out, "client.js")) as { PrismaClient: new (options: unknown) => Client };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaPg } = require("@prisma/adapter-pg") as typeof import("@prisma/adapter-pg");
  const prisma: Client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolMax }) });
  await prisma.$connect();
  return {
    key: "prisma",
    label: `Prisma ${versionOf("@prisma/client")} (adapter-pg)`,
    how: {
      insert: `createManyAndReturn({ data: chunk, select: { id } }), ${CHUNK.toLocaleString("en-US")}/call`,
      update: "update() per row in an interactive $transaction (no bulk API)",
      upsert: "upsert() per row in an interactive $transaction (no bulk API)",
      tpcb: "interactive $transaction with update({ data: { col: { increment } } })",
      getById: "findUnique({ where: { id } })",
      page: "findMany({ where, orderBy, take: 20, include: { author: true } })",
      paginate: "$transaction([count(), findMany({ skip, take, include })])",
      offset: "findMany({ orderBy, skip, take: 20 })",
      keyset: "findMany({ cursor: { id }, skip: 1, take: 20, orderBy })",
    },
    slow: { update: true, upsert: true },
    async insert(rows) {
      let ids = 0;
      await prisma.$transaction(async (tx: Client) => {
        for (const chunk of chunksOf(rows, CHUNK)) ids += (await tx.benchLog.createManyAndReturn({ data: chunk, select: { id: true } })).length;
      }, LONG);
      return ids;
    },
    async update(rows, ids) {
      await prisma.$transaction(async (tx: Client) => {
        for (let i = 0; i < rows.length; i++) await tx.benchLog.update({ where: { id: BigInt(ids[i]!) }, data: { level: rows[i]!.level, message: rows[i]!.message }, select: { id: true } });
      }, LONG);
    },
    async upsert(rows, keys) {
      await prisma.$transaction(async (tx: Client) => {
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          await tx.benchUpsert.upsert({
            where: { key: keys[i] },
            create: { key: keys[i], functionId: r.functionId, level: r.level, message: r.message },
            update: { functionId: r.functionId, level: r.level, message: r.message, updatedAt: new Date() },
            select: { id: true },
          });
        }
      }, LONG);
    },
    async tpcb(t) {
      await prisma.$transaction(async (tx: Client) => {
        await tx.account.update({ where: { aid: t.aid }, data: { abalance: { increment: t.delta } }, select: { aid: true } });
        await tx.account.findUnique({ where: { aid: t.aid }, select: { abalance: true } });
        await tx.teller.update({ where: { tid: t.tid }, data: { tbalance: { increment: t.delta } }, select: { tid: true } });
        await tx.branch.update({ where: { bid: t.bid }, data: { bbalance: { increment: t.delta } }, select: { bid: true } });
        await tx.history.create({ data: { tid: t.tid, bid: t.bid, aid: t.aid, delta: t.delta }, select: { id: true } });
      });
    },
    getById: (id) => prisma.item.findUnique({ where: { id } }),
    page: (status) => prisma.item.findMany({ where: { status }, orderBy: NEWEST_FIRST, take: PAGE_SIZE, include: { author: true } }),
    async paginate(authorId, page) {
      const where = { authorId };
      const [total, found] = await prisma.$transaction([
        prisma.item.count({ where }),
        prisma.item.findMany({ where, orderBy: NEWEST_FIRST, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE, include: { author: true } }),
      ]);
      return { items: found, total };
    },
    offsetPage: (page) => prisma.item.findMany({ orderBy: NEWEST_FIRST, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE }),
    keysetCursor: async (position: KeysetPosition | null) => position?.id ?? null,
    keysetPage: (cursor) =>
      cursor === null
        ? prisma.item.findMany({ take: PAGE_SIZE, orderBy: NEWEST_FIRST })
        : prisma.item.findMany({ cursor: { id: cursor as number }, skip: 1, take: PAGE_SIZE, orderBy: NEWEST_FIRST }),
    canon(item) {
      const i = item as { id: number; authorId: number; status: string; score: number; title: string; createdAt: Date; author?: { id: number; name: string; email: string } };
      return { id: i.id, authorId: i.authorId, status: i.status, score: i.score, title: i.title, createdAt: iso(i.createdAt), ...(i.author ? { author: canonAuthor(i.author) } : {}) };
    },
    close: () => prisma.$disconnect(),
  };
}
