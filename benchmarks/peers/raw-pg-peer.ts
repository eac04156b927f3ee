import { Pool } from "pg";
import QueryStream from "pg-query-stream";
import { PAGE_SIZE } from "../read-schema";
import { canonAuthor, iso, versionOf, type CanonItem, type KeysetPosition, type Peer, type PeerOptions } from "./peer";

const COLUMNS = `i.id, i.author_id AS "authorId", i.status, i.score, i.title, i.created_at AS "createdAt"`;
const WITH_AUTHOR = `${COLUMNS}, a.id AS "a_id", a.name AS "a_name", a.email AS "a_email" FROM bench_items i JOIN bench_authors a ON a.id = i.author_id`;
export const STREAM_BATCH = 1_000;

interface JoinedRow extends Omit<CanonItem, "createdAt" | "author"> {
  createdAt: Date;
  a_id: number;
  a_name: string;
  a_email: string;
}

function withAuthor(rows: JoinedRow[]) {
  return rows.map(({ a_id, a_name, a_email, ...item }) => ({ ...item, author: { id: a_id, name: a_name, email: a_email } }));
}

/**
 * Hand-written pg: named prepared statements (parsed once per connection), columns aliased to the
 * entity's property names, the author joined and nested by hand, pg-query-stream for streaming.
 */
export async function openRawPeer({ url, poolMax }: PeerOptions): Promise<Peer> {
  const pool = new Pool({ connectionString: url, max: poolMax });
  pool.on("error", () => undefined); // a socket ended by DROP DATABASE at the very end
  return {
    key: "raw",
    label: `hand-written pg ${versionOf("pg")}`,
    how: {
      getById: "named prepared statement",
      page: "prepared JOIN, nested by hand",
      paginate: "prepared count + prepared JOIN",
      offset: "prepared LIMIT/OFFSET",
      keyset: "prepared (created_at, id) < ($1, $2)",
      stream: `pg-query-stream, batchSize ${STREAM_BATCH}`,
    },
    async getById(id) {
      const { rows } = await pool.query({ name: "b_item", text: `SELECT ${COLUMNS} FROM bench_items i WHERE i.id = $1`, values: [id] });
      return rows[0] ?? null;
    },
    async page(status) {
      const { rows } = await pool.query({ name: "b_page", text: `SELECT ${WITH_AUTHOR} WHERE i.status = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT ${PAGE_SIZE}`, values: [status] });
      return withAuthor(rows);
    },
    async paginate(authorId, page) {
      const client = await pool.connect();
      try {
        const total = (await client.query({ name: "b_count", text: "SELECT count(*)::int AS n FROM bench_items WHERE author_id = $1", values: [authorId] })).rows[0].n as number;
        const { rows } = await client.query({
          name: "b_apage",
          text: `SELECT ${WITH_AUTHOR} WHERE i.author_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT ${PAGE_SIZE} OFFSET $2`,
          values: [authorId, (page - 1) * PAGE_SIZE],
        });
        return { items: withAuthor(rows), total };
      } finally {
        client.release();
      }
    },
    async offsetPage(page) {
      const { rows } = await pool.query({ name: "b_offset", text: `SELECT ${COLUMNS} FROM bench_items i ORDER BY i.created_at DESC, i.id DESC LIMIT ${PAGE_SIZE} OFFSET $1`, values: [(page - 1) * PAGE_SIZE] });
      return rows;
    },
    keysetCursor: async (position) => position,
    async keysetPage(cursor) {
      if (!cursor) return (await pool.query({ name: "b_keyset0", text: `SELECT ${COLUMNS} FROM bench_items i ORDER BY i.created_at DESC, i.id DESC LIMIT ${PAGE_SIZE}` })).rows;
      const { createdAt, id } = cursor as KeysetPosition;
      const { rows } = await pool.query({
        name: "b_keyset",
        text: `SELECT ${COLUMNS} FROM bench_items i WHERE (i.created_at, i.id) < ($1, $2) ORDER BY i.created_at DESC, i.id DESC LIMIT ${PAGE_SIZE}`,
        values: [createdAt, id],
      });
      return rows;
    },
    async stream(rows, onItem) {
      const client = await pool.connect();
      try {
        const stream = client.query(new QueryStream(`SELECT ${COLUMNS} FROM bench_items i WHERE i.id <= $1 ORDER BY i.id`, [rows], { batchSize: STREAM_BATCH }));
        for await (const row of stream) onItem(row);
      } finally {
        client.release();
      }
    },
    canon(item) {
      const i = item as CanonItem & { createdAt: Date; author?: CanonItem["author"] };
      return { id: i.id, authorId: i.authorId, status: i.status, score: i.score, title: i.title, createdAt: iso(i.createdAt), ...(i.author ? { author: canonAuthor(i.author) } : {}) };
    },
    close: () => pool.end(),
  };
}
