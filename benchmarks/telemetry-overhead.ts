/**
 * OpenTelemetry's cost on TPC-B: the same TPC-B transactions (five statements through repositories in
 * one unit of work, 8 concurrent clients) on two unitwork instances over one database, one traced and
 * metered through a real SDK (BasicTracerProvider with a BatchSpanProcessor and an exporter that
 * drops everything, a MeterProvider with a reader), one with no SDK at all, in interleaved rounds.
 * `ratio` = TPS without telemetry / TPS with it (target <= 1.10); also this process's CPU per
 * transaction, which shows the cost without the database's share.
 *
 * Alone: `node -r @swc/register benchmarks/telemetry-overhead.ts [--quick]` (starts embedded
 * PostgreSQL when DATABASE_URL is unset). `benchmarks/run.ts` calls `runTelemetryOverhead`.
 */
import "reflect-metadata";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { DataSource } from "typeorm";
import { createUnitwork, dataSourceOptionsFromEnv, type TelemetryOptions, type Unitwork } from "../src";
import { openThrowawayDatabase, runAdmin } from "../examples/support/throwaway-database";
import { BENCH_SCHEMA, benchEntities } from "./bench-schema";
import { registerTpcbRepositories, runTpcb, tpcbPaths, type TpcbPath } from "./tpcb";

const WORKERS = 8;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** An exporter that drops every span (what is measured is unitwork's and the SDK's share, not a backend's). */
class DroppingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

class IdleReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function measure(path: TpcbPath, seconds: number): Promise<{ tps: number; cpuMsPerTx: number }> {
  const cpu = process.cpuUsage();
  const tps = await runTpcb(path, WORKERS, seconds);
  const used = process.cpuUsage(cpu);
  return { tps, cpuMsPerTx: (used.user + used.system) / 1000 / (tps * seconds) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** `schemaReady`: the TPC-B tables exist already (benchmarks/run.ts made them). */
export async function runTelemetryOverhead(opts: { url: string; quick: boolean; schemaReady?: boolean }): Promise<{ rows: Array<Record<string, unknown>>; ratio: number; cpuRatio: number }> {
  if (!opts.schemaReady) {
    await runAdmin(opts.url, async (c) => {
      for (const sql of BENCH_SCHEMA) await c.query(sql);
    });
  }
  const exporter = new DroppingExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const reader = new IdleReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: opts.url, DB_POOL_MAX: String(WORKERS) }), entities: benchEntities };
  const open = (telemetry?: TelemetryOptions) => createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "off" }, telemetry });
  const off: Unitwork = await open();
  // UNITWORK_BENCH_SAME=1: both without telemetry, to see the machine's noise (the ratio should be ~1).
  const on: Unitwork = await open(process.env.UNITWORK_BENCH_SAME ? undefined : { tracerProvider, meterProvider });
  registerTpcbRepositories(off);
  registerTpcbRepositories(on);
  const unitworkPath = (uw: Unitwork) => tpcbPaths(undefined as never, undefined as never, uw, uw)[2]!;
  const paths = { off: unitworkPath(off), on: unitworkPath(on) };
  // Short rounds, off and on back to back (which goes first alternates): each pair saw the same
  // machine, and the median of the pairs' ratios is what other load on a shared machine disturbs least.
  const rounds = opts.quick ? 8 : 20;
  const seconds = opts.quick ? 1 : 2;
  const runs = { off: [] as { tps: number; cpuMsPerTx: number }[], on: [] as { tps: number; cpuMsPerTx: number }[] };
  try {
    await measure(paths.off, 1);
    await measure(paths.on, 1);
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) runs[mode].push(await measure(paths[mode], seconds));
    }
    await tracerProvider.forceFlush();
  } finally {
    await off.close();
    await on.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  }
  const rows = (["off", "on"] as const).map((mode) => ({
    benchmark: "telemetry overhead (TPC-B, 8 clients)",
    telemetry: mode === "on" ? "SDK, spans dropped" : "no SDK",
    medianTps: Math.round(median(runs[mode].map((x) => x.tps))),
    cpuMsPerTx: Number(median(runs[mode].map((x) => x.cpuMsPerTx)).toFixed(3)),
    ...(mode === "on" ? { spansExported: exporter.spans } : {}),
  }));
  const ratio = median(runs.off.map((x, i) => x.tps / runs.on[i]!.tps));
  const cpuRatio = median(runs.on.map((x, i) => x.cpuMsPerTx / runs.off[i]!.cpuMsPerTx));
  return { rows, ratio, cpuRatio };
}

if (require.main === module) {
  (async () => {
    const quick = process.argv.includes("--quick");
    const database = await openThrowawayDatabase({ label: "unitwork_telemetry_bench", durable: true, announce: "DATABASE_URL is unset: starting embedded PostgreSQL …" });
    try {
      const { rows, ratio, cpuRatio } = await runTelemetryOverhead({ url: database.url, quick });
      console.table(rows);
      console.log(`telemetry overhead (TPC-B without / with tracing): ${ratio.toFixed(3)}x throughput, ${cpuRatio.toFixed(3)}x Node CPU per transaction`);
    } finally {
      await database.drop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
