import { DataSource } from "typeorm";
import { dataSourceOptionsFromEnv } from "../../src";
import { benchEntities } from "../bench-schema";
import { BenchItem, PAGE_SIZE, readEntities } from "../read-schema";
import { canonAuthor, iso, versionOf, type KeysetPosition, type Peer, type PeerOptions } from "./peer";

const NEWEST_FIRST = { createdAt: "DESC", id: "DESC" } as const;

/**
 * TypeORM's reads through its Repository (`find*` with `relations`, `take` and `skip`), keyset through
 * its QueryBuilder (it has no keyset API), streaming through `SelectQueryBuilder.stream()` (raw rows,
 * pg-query-stream with its default batch). TypeORM's bulk and TPC-B paths are in bulk-paths.ts and tpcb.ts.
 */
export async function openTypeormPeer({ url, poolMax }: PeerOptions): Promise<Peer> {
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: String(poolMax) }), entities: [...benchEntities, ...readEntities] };
  const dataSource = await new DataSource(options as never).initialize();
  const items = dataSource.getRepository(BenchItem);
  return {
    key: "typeorm",
    label: `TypeORM ${versionOf("typeorm")}`,
    how: {
      getById: "findOneBy({ id })",
      page: "find({ where, order, take: 20, relations: { author: true } })",
      paginate: "findAndCount({ where, order, skip, take: 20, relations })",
      offset: "find({ order, skip, take: 20 })",
      keyset: "createQueryBuilder().where('(created_at, id) < …')",
      stream: "createQueryBuilder().stream() (raw rows, not entities)",
    },
    getById: (id) => items.findOneBy({ id }),
    page: (status) => items.find({ where: { status }, order: NEWEST_FIRST, take: PAGE_SIZE, relations: { author: true } }),
    async paginate(authorId, page) {
      const [found, total] = await items.findAndCount({ where: { authorId }, order: NEWEST_FIRST, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE, relations: { author: true } });
      return { items: found, total };
    },
    offsetPage: (page) => items.find({ order: NEWEST_FIRST, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE }),
    keysetCursor: async (position) => position,
    keysetPage(cursor) {
      const query = items.createQueryBuilder("i").orderBy("i.createdAt", "DESC").addOrderBy("i.id", "DESC").take(PAGE_SIZE);
      if (!cursor) return query.getMany();
      const { createdAt, id } = cursor as KeysetPosition;
      return query.where("(i.createdAt, i.id) < (:createdAt, :id)", { createdAt, id }).getMany();
    },
    async stream(rows, onItem) {
      const stream = await items.createQueryBuilder("i").where("i.id <= :rows", { rows }).orderBy("i.id", "ASC").stream();
      for await (const row of stream) onItem(row);
    },
    canon(item) {
      const i = item as BenchItem & Record<string, unknown>;
      if ("i_id" in i) return { id: i.i_id as number, authorId: i.i_author_id as number, status: i.i_status as string, score: i.i_score as number, title: i.i_title as string, createdAt: iso(i.i_created_at) };
      return { id: i.id, authorId: i.authorId, status: i.status, score: i.score, title: i.title, createdAt: iso(i.createdAt), ...(i.author ? { author: canonAuthor(i.author) } : {}) };
    },
    close: () => dataSource.destroy(),
  };
}
