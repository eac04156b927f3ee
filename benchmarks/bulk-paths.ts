import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Pool, PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { DataSource } from "typeorm";
import type { Unitwork } from "../src";
import { BenchLog, BenchUpsert } from "./bench-schema";
import type { PeerKey } from "./peers/peer";

/** Everything a path may use: the raw pg pool, the TypeORM DataSource and the unitwork on top of it. */
export interface BenchContext {
  pool: Pool;
  dataSource: DataSource;
  uw: Unitwork;
}

export type Group = "insert" | "update" | "upsert";

export interface Row {
  functionId: number;
  level: string;
  message: string;
}

/** One way of doing a group's work; `baseline` is the hand-written path every other is compared with. */
export interface BulkPath {
  group: Group;
  name: string;
  baseline?: boolean;
  /** Also compared with: the second reference (insert: hand-written unnest). */
  reference?: boolean;
  /** Very slow paths (one statement per row, TypeORM save of many rows): not run at 100k rows. */
  slow?: boolean;
  /** The client this path is the headline of in the peer table (one path per client and group). */
  peer?: PeerKey;
  run(ctx: BenchContext, input: PathInput): Promise<void>;
}

export interface PathInput {
  rows: Row[];
  /** For update: the ids of the rows, `ids[i]` for `rows[i]`. For upsert: the natural keys. */
  keys: string[];
}

const LEVELS = ["debug", "info", "warn", "error"];

export function makeRows(n: number, run: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    functionId: (i % 100) + 1,
    level: LEVELS[(i + run) % 4]!,
    message: `run ${run} row ${i}: GET /api/v1/functions/${i % 977} took ${(i * 7) % 1000} ms`,
  }));
}

export async function inTransaction(pool: Pool, work: (client: PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Chunks of the rows with their keys (`keys[i]` belongs to `rows[i]`). */
function* keyedChunks({ rows, keys }: PathInput, size: number): Generator<{ rows: Row[]; keys: string[] }> {
  for (let i = 0; i < rows.length; i += size) yield { rows: rows.slice(i, i + size), keys: keys.slice(i, i + size) };
}

/** `($1, $2), ($3, $4) …`: a multi-row VALUES list of `records` and its parameters; `casts[c]` follows column c's placeholder. */
function valuesList(records: readonly unknown[][], casts: readonly string[] = []): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = records.map((record) => `(${record.map((value, c) => `$${params.push(value)}${casts[c] ?? ""}`).join(", ")})`);
  return { sql: tuples.join(", "), params };
}

function copyEscape(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : text;
}

/** The hand-written COPY: text format, streamed in 64 KB pieces. */
export async function rawCopy(client: PoolClient, table: string, columns: string, lines: Iterable<string>): Promise<void> {
  function* batches() {
    let buffer = "";
    for (const line of lines) {
      buffer += line;
      if (buffer.length >= 65_536) {
        yield buffer;
        buffer = "";
      }
    }
    if (buffer) yield buffer;
  }
  await pipeline(Readable.from(batches(), { objectMode: false }), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}

function* logLines(rows: Row[]): Generator<string> {
  for (const r of rows) yield `${r.functionId}\t${copyEscape(r.level)}\t${copyEscape(r.message)}\n`;
}

// ---------------------------------------------------------------------------------------------- insert

export const insertPaths: BulkPath[] = [
  {
    group: "insert",
    name: "raw pg COPY (text, no ids)",
    baseline: true,
    peer: "raw",
    run: ({ pool }, { rows }) => inTransaction(pool, (c) => rawCopy(c, "bench_logs", "function_id, level, message", logLines(rows))),
  },
  {
    group: "insert",
    name: "raw pg unnest, RETURNING id (10k/stmt)",
    reference: true,
    run: ({ pool }, { rows }) =>
      inTransaction(pool, async (c) => {
        for (const chunk of chunks(rows, 10_000)) {
          await c.query("INSERT INTO bench_logs (function_id, level, message) SELECT * FROM unnest($1::int[], $2::varchar[], $3::text[]) RETURNING id", [
            chunk.map((r) => r.functionId),
            chunk.map((r) => r.level),
            chunk.map((r) => r.message),
          ]);
        }
      }),
  },
  {
    group: "insert",
    name: "raw pg multi-row VALUES (1k/stmt)",
    run: ({ pool }, { rows }) =>
      inTransaction(pool, async (c) => {
        for (const chunk of chunks(rows, 1_000)) {
          const values = valuesList(chunk.map((r) => [r.functionId, r.level, r.message]));
          await c.query(`INSERT INTO bench_logs (function_id, level, message) VALUES ${values.sql} RETURNING id`, values.params);
        }
      }),
  },
  {
    group: "insert",
    name: "raw pg one INSERT per row",
    slow: true,
    run: ({ pool }, { rows }) =>
      inTransaction(pool, async (c) => {
        for (const r of rows) await c.query("INSERT INTO bench_logs (function_id, level, message) VALUES ($1, $2, $3) RETURNING id", [r.functionId, r.level, r.message]);
      }),
  },
  {
    group: "insert",
    name: "unitwork bulkInsert (COPY, ids)",
    peer: "unitwork",
    run: async ({ uw }, { rows }) => {
      const result = await uw.repositories.create(BenchLog).bulkInsert(rows, { strategy: "copy" });
      if (result.ids!.length !== rows.length) throw new Error("ids missing");
    },
  },
  {
    group: "insert",
    name: "unitwork bulkInsert (unnest, ids)",
    run: async ({ uw }, { rows }) => {
      const result = await uw.repositories.create(BenchLog).bulkInsert(rows, { strategy: "unnest" });
      if (result.ids!.length !== rows.length) throw new Error("ids missing");
    },
  },
  {
    group: "insert",
    name: "unitwork bulkInsert (COPY, no ids)",
    run: async ({ uw }, { rows }) => {
      await uw.repositories.create(BenchLog).bulkInsert(rows, { strategy: "copy", returning: "none" });
    },
  },
  {
    group: "insert",
    name: "TypeORM insert() (500/stmt)",
    peer: "typeorm",
    run: ({ dataSource }, { rows }) =>
      dataSource.transaction(async (m) => {
        for (const chunk of chunks(rows, 500)) await m.insert(BenchLog, chunk);
      }),
  },
  {
    group: "insert",
    name: "TypeORM save() default chunking",
    run: ({ dataSource }, { rows }) => dataSource.transaction(async (m) => void (await m.save(BenchLog, rows.map((r) => m.create(BenchLog, r))))),
  },
  {
    group: "insert",
    name: "TypeORM save({ chunk: 1000 })",
    slow: true,
    run: ({ dataSource }, { rows }) => dataSource.transaction(async (m) => void (await m.save(BenchLog, rows.map((r) => m.create(BenchLog, r)), { chunk: 1000 }))),
  },
];

// ---------------------------------------------------------------------------------------------- update

export const updatePaths: BulkPath[] = [
  {
    group: "update",
    name: "raw pg UPDATE FROM unnest (10k/stmt)",
    baseline: true,
    peer: "raw",
    run: ({ pool }, input) =>
      inTransaction(pool, async (c) => {
        for (const { rows, keys } of keyedChunks(input, 10_000)) {
          await c.query(
            "UPDATE bench_logs AS t SET level = u.level, message = u.message FROM unnest($1::bigint[], $2::varchar[], $3::text[]) AS u(id, level, message) WHERE t.id = u.id",
            [keys, rows.map((r) => r.level), rows.map((r) => r.message)],
          );
        }
      }),
  },
  {
    group: "update",
    name: "raw pg UPDATE FROM (VALUES …) (1k/stmt)",
    run: ({ pool }, input) =>
      inTransaction(pool, async (c) => {
        for (const { rows, keys } of keyedChunks(input, 1_000)) {
          const values = valuesList(rows.map((r, j) => [keys[j], r.level, r.message]), ["::bigint", "::varchar", "::text"]);
          await c.query(`UPDATE bench_logs AS t SET level = v.level, message = v.message FROM (VALUES ${values.sql}) AS v(id, level, message) WHERE t.id = v.id`, values.params);
        }
      }),
  },
  {
    group: "update",
    name: "raw pg one UPDATE per row",
    slow: true,
    run: ({ pool }, { rows, keys }) =>
      inTransaction(pool, async (c) => {
        for (let i = 0; i < rows.length; i++) await c.query("UPDATE bench_logs SET level = $2, message = $3 WHERE id = $1", [keys[i], rows[i]!.level, rows[i]!.message]);
      }),
  },
  {
    group: "update",
    name: "unitwork bulkUpdate",
    peer: "unitwork",
    run: async ({ uw }, { rows, keys }) => {
      const result = await uw.repositories.create(BenchLog).bulkUpdate(rows.map((r, i) => ({ id: keys[i], level: r.level, message: r.message })));
      if (result.count !== rows.length) throw new Error(`updated ${result.count} of ${rows.length}`);
    },
  },
  {
    group: "update",
    name: "TypeORM save() of modified entities (chunk 1000)",
    peer: "typeorm",
    slow: true,
    run: ({ dataSource }, { rows, keys }) =>
      dataSource.transaction(async (m) => {
        const entities = rows.map((r, i) => m.create(BenchLog, { id: keys[i], functionId: r.functionId, level: r.level, message: r.message }));
        await m.save(BenchLog, entities, { chunk: 1000 });
      }),
  },
];

// ---------------------------------------------------------------------------------------------- upsert

export const upsertPaths: BulkPath[] = [
  {
    group: "upsert",
    name: "raw pg unnest ON CONFLICT DO UPDATE (10k/stmt)",
    baseline: true,
    peer: "raw",
    run: ({ pool }, input) =>
      inTransaction(pool, async (c) => {
        for (const { rows, keys } of keyedChunks(input, 10_000)) {
          await c.query(
            `INSERT INTO bench_upserts AS t (key, function_id, level, message) SELECT * FROM unnest($1::varchar[], $2::int[], $3::varchar[], $4::text[])
             ON CONFLICT (key) DO UPDATE SET function_id = EXCLUDED.function_id, level = EXCLUDED.level, message = EXCLUDED.message, updated_at = CURRENT_TIMESTAMP`,
            [keys, rows.map((r) => r.functionId), rows.map((r) => r.level), rows.map((r) => r.message)],
          );
        }
      }),
  },
  {
    group: "upsert",
    name: "raw pg multi-row VALUES ON CONFLICT (1k/stmt)",
    run: ({ pool }, input) =>
      inTransaction(pool, async (c) => {
        for (const { rows, keys } of keyedChunks(input, 1_000)) {
          const values = valuesList(rows.map((r, j) => [keys[j], r.functionId, r.level, r.message]));
          await c.query(
            `INSERT INTO bench_upserts AS t (key, function_id, level, message) VALUES ${values.sql}
             ON CONFLICT (key) DO UPDATE SET function_id = EXCLUDED.function_id, level = EXCLUDED.level, message = EXCLUDED.message, updated_at = CURRENT_TIMESTAMP`,
            values.params,
          );
        }
      }),
  },
  {
    group: "upsert",
    name: "unitwork bulkUpsert",
    peer: "unitwork",
    run: async ({ uw }, { rows, keys }) => {
      const result = await uw.repositories.create(BenchUpsert).bulkUpsert(rows.map((r, i) => ({ key: keys[i], ...r })), { conflictPaths: ["key"] });
      if (result.inserted + result.updated !== rows.length) throw new Error(`upserted ${result.inserted}+${result.updated} of ${rows.length}`);
    },
  },
  {
    group: "upsert",
    name: "TypeORM upsert() (1k/stmt)",
    peer: "typeorm",
    run: ({ dataSource }, input) =>
      dataSource.transaction(async (m) => {
        for (const { rows, keys } of keyedChunks(input, 1_000)) {
          await m.upsert(BenchUpsert, rows.map((r, j) => ({ key: keys[j], ...r })), ["key"]);
        }
      }),
  },
];

/** Resets the tables a group writes to before a run (not timed) and returns the run's input. */
export async function prepareInput(pool: Pool, group: Group, n: number, run: number): Promise<PathInput> {
  const rows = makeRows(n, run);
  const client = await pool.connect();
  try {
    let input: PathInput;
    if (group === "insert") {
      await client.query("TRUNCATE bench_logs RESTART IDENTITY");
      input = { rows, keys: [] };
    } else if (group === "update") {
      await client.query("TRUNCATE bench_logs RESTART IDENTITY");
      await rawCopy(client, "bench_logs", "function_id, level, message", logLines(makeRows(n, run + 1)));
      await client.query("VACUUM ANALYZE bench_logs");
      input = { rows, keys: Array.from({ length: n }, (_, i) => String(i + 1)) };
    } else {
      await client.query("TRUNCATE bench_upserts RESTART IDENTITY");
      const keys = Array.from({ length: n }, (_, i) => `key-${i}`);
      const existing = rows.filter((_, i) => i % 2 === 0);
      await rawCopy(client, "bench_upserts", "key, function_id, level, message", existing.map((r, j) => `key-${j * 2}\t${r.functionId}\t${r.level}\told\n`));
      await client.query("VACUUM ANALYZE bench_upserts");
      input = { rows, keys };
    }
    await checkpoint(client);
    return input;
  } finally {
    client.release();
  }
}

/** Whether CHECKPOINT was refused (a server where the user lacks pg_checkpoint); said once in the report. */
export const checkpointState = { refused: false };

/**
 * Flushes the set-up's writes before the timed run, so that no path pays for a checkpoint of the
 * previous one's: the largest source of noise between runs at 100,000 rows.
 */
export async function checkpoint(client: Pick<PoolClient, "query">): Promise<void> {
  if (checkpointState.refused) return;
  try {
    await client.query("CHECKPOINT");
  } catch (error) {
    if ((error as { code?: string }).code !== "42501") throw error;
    checkpointState.refused = true;
  }
}

/** Checks, after a run (not timed), that the path did its work. */
export async function verify(pool: Pool, group: Group, n: number, input: PathInput): Promise<void> {
  if (group === "insert") {
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM bench_logs");
    if (rows[0].n !== n) throw new Error(`insert wrote ${rows[0].n} rows, expected ${n}`);
  } else if (group === "update") {
    const last = input.rows[n - 1]!;
    const { rows } = await pool.query("SELECT message FROM bench_logs WHERE id = $1", [input.keys[n - 1]]);
    if (rows[0]?.message !== last.message) throw new Error("update did not write the last row");
  } else {
    const { rows } = await pool.query("SELECT count(*)::int AS n, count(*) FILTER (WHERE message = 'old')::int AS old FROM bench_upserts");
    if (rows[0].n !== n || rows[0].old !== 0) throw new Error(`upsert left ${rows[0].n} rows (${rows[0].old} not updated), expected ${n}`);
  }
}
