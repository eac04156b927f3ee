/**
 * OpenTelemetry's cost on TPC-B: the same TPC-B transactions (five statements through repositories in
 * one unit of work, 8 concurrent clients) on three unitwork instances over one database, with the
 * analyzer off (as in production): one with no SDK at all, one traced and metered through a real SDK
 * (BasicTracerProvider with a BatchSpanProcessor and an exporter that drops everything, a
 * MeterProvider with a reader) with the default options, and one with `callSites: true` as well
 * (`code.*` on every statement span, a stack capture per repository call). Interleaved rounds.
 * `ratio` = TPS without telemetry / TPS with it (target <= 1.10), `callSitesRatio` the same for the
 * third instance; also this process's CPU per transaction, which shows the cost without the
 * database's share.
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
export async function runTelemetryOverhead(opts: { url: string; quick: boolean; schemaReady?: boolean }): Promise<{ rows: Array<Record<string, unknown>>; ratio: number; cpuRatio: number; callSitesRatio: number; callSitesCpuRatio: number }> {
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
  // UNITWORK_BENCH_SAME=1: all without telemetry, to see the machine's noise (the ratios should be ~1).
  const same = !!process.env.UNITWORK_BENCH_SAME;
  const on: Unitwork = await open(same ? undefined : { tracerProvider, meterProvider });
  const sites: Unitwork = await open(same ? undefined : { tracerProvider, meterProvider, callSites: true });
  const instances = { off, on, sites };
  for (const uw of Object.values(instances)) registerTpcbRepositories(uw);
  const unitworkPath = (uw: Unitwork) => tpcbPaths(undefined as never, undefined as never, uw, uw)[2]!;
  const paths = { off: unitworkPath(off), on: unitworkPath(on), sites: unitworkPath(sites) };
  type Mode = keyof typeof paths;
  const order: Mode[] = ["off", "on", "sites"];
  // Short rounds, off and on back to back (which goes first alternates): each pair saw the same
  // machine, and the median of the pairs' ratios is what other load on a shared machine disturbs least.
  const rounds = opts.quick ? 8 : 20;
  const seconds = opts.quick ? 1 : 2;
  const runs: Record<Mode, { tps: number; cpuMsPerTx: number }[]> = { off: [], on: [], sites: [] };
  try {
    for (const mode of order) await measure(paths[mode], 1);
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? order : [...order].reverse()) runs[mode].push(await measure(paths[mode], seconds));
    }
    await tracerProvider.forceFlush();
  } finally {
    for (const uw of Object.values(instances)) await uw.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  }
  const labels: Record<Mode, string> = { off: "no SDK", on: "SDK, spans dropped (defaults)", sites: "SDK, spans dropped, callSites: true" };
  const rows = order.map((mode) => ({
    benchmark: "telemetry overhead (TPC-B, 8 clients, analyzer off)",
    telemetry: labels[mode],
    medianTps: Math.round(median(runs[mode].map((x) => x.tps))),
    cpuMsPerTx: Number(median(runs[mode].map((x) => x.cpuMsPerTx)).toFixed(3)),
  }));
  const tpsRatio = (mode: Mode) => median(runs.off.map((x, i) => x.tps / runs[mode][i]!.tps));
  const cpuRatioOf = (mode: Mode) => median(runs[mode].map((x, i) => x.cpuMsPerTx / runs.off[i]!.cpuMsPerTx));
  if (!same && exporter.spans === 0) throw new Error("telemetry bench: the traced instances exported no span");
  return { rows, ratio: tpsRatio("on"), cpuRatio: cpuRatioOf("on"), callSitesRatio: tpsRatio("sites"), callSitesCpuRatio: cpuRatioOf("sites") };
}

if (require.main === module) {
  (async () => {
    const quick = process.argv.includes("--quick");
    const database = await openThrowawayDatabase({ label: "unitwork_telemetry_bench", durable: true, announce: "DATABASE_URL is unset: starting embedded PostgreSQL …" });
    try {
      const { rows, ratio, cpuRatio, callSitesRatio, callSitesCpuRatio } = await runTelemetryOverhead({ url: database.url, quick });
      console.table(rows);
      console.log(`telemetry overhead (TPC-B without / with tracing): ${ratio.toFixed(3)}x throughput, ${cpuRatio.toFixed(3)}x Node CPU per transaction`);
      console.log(`with callSites: true: ${callSitesRatio.toFixed(3)}x throughput, ${callSitesCpuRatio.toFixed(3)}x Node CPU per transaction`);
    } finally {
      await database.drop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
