/**
 * Child process of the streaming benchmark: reads every row of bench_logs (in primary key order) one
 * way and prints rows/s and its own peak RSS as one JSON line. Usage:
 * stream-probe.ts <database url> <unitwork|unitwork-analyzer|pg-query-stream|pg-cursor> [batchSize]
 * - unitwork: `repo.stream({ batchSize })`, entities (analyzer off, as in production);
 *   unitwork-analyzer: the same with the analyzer in its default "log" mode;
 * - pg-query-stream: hand-written `pg-query-stream` on one pooled client (raw rows);
 * - pg-cursor: hand-written `BEGIN; DECLARE … NO SCROLL CURSOR; FETCH n …; COMMIT` on one client (raw rows).
 * The consumer touches two columns of every row, so no path is measured skipping its values.
 */
import { Pool, type PoolClient } from "pg";

const SQL = "SELECT id, uuid, function_id, level, message, created_at FROM bench_logs ORDER BY id";

interface Row {
  function_id?: number;
  functionId?: number;
  message: string;
}

/** The checksum every path computes from the rows it reads. */
class Consumer {
  rows = 0;
  sum = 0;
  take(row: Row): void {
    this.rows++;
    this.sum += (row.functionId ?? row.function_id ?? 0) + row.message.length;
  }
}

async function viaUnitwork(url: string, batchSize: number, analyzer: boolean, consumer: Consumer): Promise<void> {
  // loaded here: the hand-written paths' RSS must not include unitwork's and TypeORM's modules
  require("reflect-metadata");
  const { DataSource } = require("typeorm") as typeof import("typeorm");
  const { createUnitwork, dataSourceOptionsFromEnv } = require("../src") as typeof import("../src");
  const { BenchLog, benchEntities } = require("./bench-schema") as typeof import("./bench-schema");
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: "2" }), entities: benchEntities } as never);
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const uw = await createUnitwork({ dataSource, logger: quiet, analyzer: analyzer ? {} : { mode: "off" } });
  try {
    for await (const log of uw.repositories.create(BenchLog).stream({ batchSize })) consumer.take(log);
  } finally {
    await uw.close();
  }
}

/** `pg-query-stream` is a benchmark peer, loaded only when installed. */
function queryStreamClass(): new (sql: string, values: unknown[], options: { batchSize: number }) => AsyncIterable<Row> {
  return require("pg-query-stream") as never;
}

async function viaPg(url: string, batchSize: number, mode: "pg-query-stream" | "pg-cursor", consumer: Consumer): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1 });
  const client: PoolClient = await pool.connect();
  try {
    if (mode === "pg-query-stream") {
      const QueryStream = queryStreamClass();
      for await (const row of client.query(new QueryStream(SQL, [], { batchSize }) as never) as unknown as AsyncIterable<Row>) consumer.take(row);
      return;
    }
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query(`DECLARE probe NO SCROLL CURSOR FOR ${SQL}`);
    for (;;) {
      const { rows } = await client.query<Row>(`FETCH FORWARD ${batchSize} FROM probe`);
      for (const row of rows) consumer.take(row);
      if (rows.length < batchSize) break;
    }
    await client.query("COMMIT");
  } finally {
    client.release();
    await pool.end();
  }
}

async function main(): Promise<void> {
  const [url, mode, batchArg] = process.argv.slice(2);
  const batchSize = Number(batchArg ?? 1000);
  const consumer = new Consumer();
  const baseline = process.memoryUsage().rss;
  const start = performance.now();
  if (mode === "unitwork" || mode === "unitwork-analyzer") await viaUnitwork(url!, batchSize, mode === "unitwork-analyzer", consumer);
  else if (mode === "pg-query-stream" || mode === "pg-cursor") await viaPg(url!, batchSize, mode, consumer);
  else throw new Error(`unknown mode ${mode}`);
  const seconds = (performance.now() - start) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ mode, batchSize, rows: consumer.rows, checksum: consumer.sum, seconds, rowsPerSecond: consumer.rows / seconds, peakRssMb, baselineRssMb: baseline / 1048576 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
