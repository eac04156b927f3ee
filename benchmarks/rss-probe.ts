/**
 * Child process of the benchmark: inserts N rows from an async generator with bulkInsert and prints
 * its peak RSS, so the figure is this process's alone. Usage: rss-probe.ts <database url> <rows> <ids|none>
 */
import "reflect-metadata";
import { DataSource } from "typeorm";
import { createUnitwork, dataSourceOptionsFromEnv } from "../src";
import { BenchLog, benchEntities } from "./bench-schema";

async function main(): Promise<void> {
  const [url, rowsArg, returning] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url! }), entities: benchEntities } as never);
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const uw = await createUnitwork({ dataSource, logger: quiet, analyzer: { mode: "off" } });
  await dataSource.query("TRUNCATE bench_logs RESTART IDENTITY");
  const baseline = process.memoryUsage().rss;
  async function* generate() {
    for (let i = 0; i < rows; i++) yield { functionId: (i % 100) + 1, level: "info", message: `streamed row ${i}: GET /api/v1/functions/${i % 977}` };
  }
  const start = performance.now();
  const result = await uw.repositories.create(BenchLog).bulkInsert(generate(), { returning: returning === "ids" ? "ids" : "none", chunkSize: process.env.CHUNK ? Number(process.env.CHUNK) : undefined });
  const seconds = (performance.now() - start) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await dataSource.query("TRUNCATE bench_logs RESTART IDENTITY");
  await uw.close();
  process.stdout.write(`${JSON.stringify({ rows: result.count, ids: result.ids?.length ?? 0, seconds, rowsPerSecond: result.count / seconds, peakRssMb, baselineRssMb: baseline / 1048576 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
