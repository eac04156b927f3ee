import { DataSource } from "typeorm";
import { createUnitwork, dataSourceOptionsFromEnv, type AsyncBaseRepository } from "../../src";
import { benchEntities } from "../bench-schema";
import { BenchItem, PAGE_SIZE, readEntities } from "../read-schema";
import { STREAM_BATCH } from "./raw-pg-peer";
import { canonAuthor, iso, type CanonItem, type Peer, type PeerOptions } from "./peer";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const NEWEST_FIRST = "-createdAt,-id";

/** A repository with the streaming read of issue 15, when this commit has it. */
type MaybeStreaming = AsyncBaseRepository<BenchItem> & { stream?: (options: Record<string, unknown>) => AsyncIterable<BenchItem> };

/** Whether `AsyncBaseRepository` on this commit has `stream(options)`. */
export function unitworkCanStream(repository: object): boolean {
  return typeof (repository as MaybeStreaming).stream === "function";
}

/**
 * unitwork's repository reads outside a unit of work, with the analyzer off (the production default).
 * The bulk and TPC-B paths of unitwork are in bulk-paths.ts and tpcb.ts.
 */
export async function openUnitworkPeer({ url, poolMax }: PeerOptions): Promise<Peer> {
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: String(poolMax) }), entities: [...benchEntities, ...readEntities] };
  const uw = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "off" } });
  const items = uw.repositories.create(BenchItem) as MaybeStreaming;
  const streaming = unitworkCanStream(items);
  return {
    key: "unitwork",
    label: `unitwork ${require("../../package.json").version}`,
    how: {
      getById: "getById(id)",
      page: "findMany({ where, orderBy, relations: { author: true }, limit: 20 })",
      paginate: 'paginate({ page, pageSize: 20, where, orderBy, relations, count: "exact" })',
      offset: "findMany({ orderBy, limit: 20, offset })",
      keyset: "paginateByCursor({ first: 20, after, orderBy })",
      ...(streaming ? { stream: `stream({ orderBy, where, batchSize: ${STREAM_BATCH} })` } : {}),
    },
    getById: (id) => items.getById(id),
    page: (status) => items.findMany({ where: { status }, orderBy: NEWEST_FIRST, relations: { author: true }, limit: PAGE_SIZE }),
    async paginate(authorId, page) {
      const result = await items.paginate({ page, pageSize: PAGE_SIZE, where: { authorId }, orderBy: NEWEST_FIRST, relations: { author: true }, count: "exact" });
      return { items: result.items, total: result.total! };
    },
    offsetPage: (page) => items.findMany({ orderBy: NEWEST_FIRST, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    async keysetCursor(_position, rowsBefore) {
      // cursors are opaque (encrypted): walk to the position, 1,000 rows a page (untimed)
      let after: string | null = null;
      for (let done = 0; done < rowsBefore; ) {
        const first = Math.min(1_000, rowsBefore - done);
        const result = await items.paginateByCursor({ first, after, orderBy: NEWEST_FIRST });
        after = result.pageInfo.endCursor;
        done += first;
      }
      return after;
    },
    async keysetPage(cursor) {
      return (await items.paginateByCursor({ first: PAGE_SIZE, after: cursor as string | null, orderBy: NEWEST_FIRST })).items;
    },
    ...(streaming
      ? {
          async stream(rows: number, onItem: (item: unknown) => void) {
            for await (const item of items.stream!({ where: { id: { lte: rows } }, orderBy: "id", batchSize: STREAM_BATCH })) onItem(item);
          },
        }
      : {}),
    canon(item) {
      const i = item as BenchItem;
      return { id: i.id, authorId: i.authorId, status: i.status, score: i.score, title: i.title, createdAt: iso(i.createdAt), ...(i.author ? { author: canonAuthor(i.author) } : {}) } satisfies CanonItem;
    },
    close: () => uw.close(),
  };
}
