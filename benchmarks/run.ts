/**
 * `npm run bench` (add `-- --quick` for a few minutes' run): unitwork against hand-written pg,
 * TypeORM, MikroORM, Drizzle and Prisma, side by side in one run, interleaved, after a warm-up: bulk
 * writes, TPC-B, the read paths, streaming, and the scale curves. Starts embedded PostgreSQL 18
 * (fsync on) when DATABASE_URL is unset. A full run writes benchmarks/results/latest.json, the bar
 * chart latest.svg and the curves latest.scale-insert.svg, latest.scale-stream.svg and
 * latest.depth.svg. `--only=read-routing` (part of a full run) measures read-replica routing on an
 * embedded primary and replica of its own. Flags: `--only=insert,update,upsert,tpcb,reads,depth,stream,rss,analyzer,telemetry,read-routing`,
 * `--sizes=10000,100000`, `--peers=raw,unitwork,typeorm,mikroorm,drizzle,prisma`.
 */
import "reflect-metadata";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Presets, SingleBar } from "cli-progress";
import { Pool } from "pg";
import { DataSource } from "typeorm";
import { createUnitwork, dataSourceOptionsFromEnv, type Unitwork } from "../src";
import { BENCH_SCHEMA, benchEntities } from "./bench-schema";
import { checkpoint, checkpointState, insertPaths, prepareInput, updatePaths, upsertPaths, verify, type BenchContext, type BulkPath } from "./bulk-paths";
import { computeRatios, markdownTables, svgChart, type Measurement } from "./report";
import { resetStatements, statements } from "./peers/statement-counter";
import { registerTpcbRepositories, runTpcb, tpcbPaths } from "./tpcb";
import { openThrowawayDatabase, runAdmin } from "../examples/support/throwaway-database";
import { runTelemetryOverhead } from "./telemetry-overhead";
import type { AnalyzerOverhead } from "./analyzer-overhead";
import { readRoutingSummary, runReadRouting } from "./read-routing";
import { runPeerBench, peerBenchSteps, type PeerBench } from "./peer-bench";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const QUICK = argv.includes("--quick");
/** `--sizes=100000` and `--only=insert,tpcb,rss` narrow a run down while tuning. */
const SIZES = flag("sizes")?.split(",").map(Number) ?? (QUICK ? [1_000, 10_000] : [1_000, 10_000, 100_000]);
const ONLY = new Set(flag("only")?.split(",") ?? ["insert", "update", "upsert", "tpcb", "reads", "depth", "stream", "rss", "analyzer", "telemetry", "read-routing"]);
/** The bulk insert scale curve's last point: insert paths only, at 1,000,000 rows (full runs). */
const INSERT_SCALE = QUICK || flag("sizes") ? [] : [1_000_000];
/** Median of 3 runs at every size, one at the 1,000,000-row insert curve point (a full run must stay within about 30 minutes on 2 cores). */
const runsFor = (size: number) => (size >= 1_000_000 ? 1 : 3);
const WARM_UP_CALLS = QUICK ? 2 : 5;
const TPCB_SECONDS = QUICK ? 2 : 6;
/** TPC-B: median of 3 runs of TPCB_SECONDS each, every path once per round. */
const TPCB_RUNS = 3;
const TPCB_WORKERS = 8;
const RSS_ROWS = QUICK ? 100_000 : 1_000_000;
/** Paths marked slow (one statement per row, TypeORM save) are skipped from here on: at 10,000 rows they take minutes on a busy 2-core machine. */
const SLOW_SKIPPED_FROM = 10_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function main(): Promise<void> {
  const started = new Date();
  const database = await openThrowawayDatabase({
    label: "unitwork_bench",
    durable: true,
    announce: "DATABASE_URL is unset: starting embedded PostgreSQL 18 (fsync and synchronous_commit on) …",
  });
  const { url } = database;
  const handles: { pool?: Pool; uw?: Unitwork; uwNoAnalyzer?: Unitwork; dataSource?: DataSource; peers?: Promise<PeerBench>; closing?: boolean } = {};
  try {
    await runAdmin(url, async (c) => {
      for (const sql of BENCH_SCHEMA) await c.query(sql);
    });
    const version = await runAdmin(url, async (c) => (await c.query("SHOW server_version")).rows[0].server_version as string);
    const pool = (handles.pool = new Pool({ connectionString: url, max: TPCB_WORKERS }));
    // pg-pool's end() resolves before its sockets have closed, and dropping the database then
    // terminates them: expected at the end, a real failure (rethrown, as with no listener) before.
    pool.on("error", (error) => {
      if (!handles.closing) throw error;
    });
    const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: String(TPCB_WORKERS) }), entities: benchEntities };
    // TypeORM's paths get a DataSource of their own: no unitwork subscriber or analyzer sees their statements.
    const dataSource = (handles.dataSource = await new DataSource(options as never).initialize());
    const uw = (handles.uw = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet }));
    const uwNoAnalyzer = (handles.uwNoAnalyzer = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "off" } }));
    registerTpcbRepositories(uw);
    registerTpcbRepositories(uwNoAnalyzer);
    const ctx: BenchContext = { pool, dataSource, uw };
    // the other clients (MikroORM, Drizzle, Prisma) and the read tables: see peer-bench.ts
    const peers: PeerBench = await (handles.peers = runPeerBench({ url, pool, quick: QUICK, only: ONLY, peerKeys: flag("peers")?.split(","), poolMax: TPCB_WORKERS }));

    const bulkPaths = [...insertPaths, ...updatePaths, ...upsertPaths, ...peers.bulkPaths].filter((p) => ONLY.has(p.group));
    const tpcb = ONLY.has("tpcb") ? [...tpcbPaths(pool, dataSource, uw, uwNoAnalyzer), ...peers.tpcbPaths] : [];
    const sizes = [...SIZES, ...(ONLY.has("insert") ? INSERT_SCALE : [])];
    /** At the insert scale curve's sizes, only each client's headline insert path (and hand-written unnest with ids). */
    const pathsAt = (size: number) => (INSERT_SCALE.includes(size) ? bulkPaths.filter((p) => p.group === "insert" && !p.slow && (p.peer || p.reference)) : bulkPaths);
    const steps = bulkPaths.length + sizes.reduce((n, size) => n + runsFor(size) * pathsAt(size).length, 0) + TPCB_RUNS * tpcb.length + 1 + peerBenchSteps(peers);
    const bar = new SingleBar({ format: " {bar} {percentage}% | {value}/{total} | {step}", hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
    if (!process.stderr.isTTY) {
      // no terminal (a log file, CI): one line per step instead of the bar, with the elapsed time
      const t0 = performance.now();
      bar.increment = ((a?: unknown, b?: unknown) => {
        const payload = (typeof a === "object" ? a : b) as { step?: string } | undefined;
        process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${payload?.step ?? ""}\n`);
      }) as never;
    }
    bar.start(steps, 0, { step: "warm-up" });

    // Warm-up: every path WARM_UP_CALLS times at 1,000 rows (connections, plan and metadata caches,
    // and V8's optimising compiler, which needs a few calls of a path before it runs at full speed).
    // one-statement-per-row paths are not warmed up: they run at 1,000 rows only, where a statement per row is what they cost
    for (const path of bulkPaths.filter((p) => !p.slow)) {
      bar.increment({ step: `warm-up: ${path.name}` });
      for (let call = 0; call < WARM_UP_CALLS; call++) {
        const input = await prepareInput(pool, path.group, 1_000, 99);
        await path.run(ctx, input);
      }
    }

    const measurements: Measurement[] = [];
    for (const size of sizes) {
      const bySize = new Map<BulkPath, Measurement>();
      const atSize = pathsAt(size);
      for (const path of atSize) {
        const m: Measurement = { group: path.group, path: path.name, size, runs: [], median: null, baseline: path.baseline, reference: path.reference, peer: path.peer };
        bySize.set(path, m);
        measurements.push(m);
      }
      for (let run = 0; run < runsFor(size); run++) {
        // Interleaved: each run visits every path, starting at a different one.
        const order = atSize.map((_, i) => atSize[(i + run * 3) % atSize.length]!);
        for (const path of order) {
          const m = bySize.get(path)!;
          bar.increment({ step: `${size.toLocaleString("en-US")} rows, run ${run + 1}: ${path.group} · ${path.name}` });
          if (m.error) continue;
          if (path.slow && size >= SLOW_SKIPPED_FROM) {
            m.note = `skipped at this size: one statement per row, see the ${(SLOW_SKIPPED_FROM / 10).toLocaleString("en-US")}-row figure`;
            continue;
          }
          const input = await prepareInput(pool, path.group, size, run);
          resetStatements();
          const start = performance.now();
          try {
            await path.run(ctx, input);
          } catch (error) {
            m.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
            continue;
          }
          const seconds = (performance.now() - start) / 1000;
          m.statements = statements();
          try {
            await verify(pool, path.group, size, input);
          } catch (error) {
            m.error = `did less work than asked: ${error instanceof Error ? error.message : String(error)}`;
            continue;
          }
          m.runs.push(size / seconds);
        }
      }
    }

    const tpcbMeasurements = tpcb.map((p): Measurement => ({ group: "tpcb", path: p.name, size: TPCB_WORKERS, runs: [], median: null, baseline: p.baseline, peer: p.peer }));
    for (const path of tpcb) await runTpcb(path, TPCB_WORKERS, 1); // warm-up
    for (let run = 0; run < TPCB_RUNS; run++) {
      for (let i = 0; i < tpcb.length; i++) {
        const index = (i + run) % tpcb.length;
        bar.increment({ step: `TPC-B run ${run + 1}: ${tpcb[index]!.name}` });
        // untimed: the previous run's dead row versions and dirty pages are not this run's to pay for
        await pool.query("VACUUM bench_branches, bench_tellers, bench_accounts, bench_history");
        await checkpoint(pool);
        const m = tpcbMeasurements[index]!;
        if (m.error) continue;
        const stats = { transactions: 0 };
        resetStatements();
        try {
          m.runs.push(await runTpcb(tpcb[index]!, TPCB_WORKERS, TPCB_SECONDS, stats));
        } catch (error) {
          m.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
          continue;
        }
        const sent = statements();
        m.statements = { data: sent.data / stats.transactions, control: sent.control / stats.transactions };
        // every TPC-B transaction is 5 statements (3 updates, a select, an insert)
        if (m.statements.data < 5) m.error = `sent ${m.statements.data.toFixed(1)} statements per transaction: less work than TPC-B's 5`;
      }
    }
    measurements.push(...tpcbMeasurements);
    measurements.push(...(await peers.runReads((step) => bar.increment({ step }))));

    bar.increment({ step: `peak RSS: ${RSS_ROWS.toLocaleString("en-US")} rows from an async generator` });
    const rss = ONLY.has("rss") ? await rssProbe(url, RSS_ROWS) : [];
    bar.stop();

    const analyzer = ONLY.has("analyzer") ? await analyzerOverhead(url) : undefined;
    // TPC-B traced through a real SDK (spans dropped) against no SDK, on the tables made above.
    const telemetry = ONLY.has("telemetry") ? await runTelemetryOverhead({ url, quick: QUICK, schemaReady: true }) : undefined;
    // a primary and a replica of its own (DATABASE_URL's server cannot be base-backed-up from here)
    const readRouting = ONLY.has("read-routing") ? await runReadRouting({ quick: QUICK }) : undefined;
    computeRatios(measurements);
    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.versions.node}, PostgreSQL ${version}${database.embedded ? " (embedded, fsync on)" : ""}`;
    const summary = peers.summary(measurements);
    const tables = `${summary.markdown}\n${markdownTables(measurements)}`;
    const rssLines = rss.map((r) => `bulkInsert of ${r.rows.toLocaleString("en-US")} rows from an async generator (returning: "${r.returning}"): peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.baselineRssMb.toFixed(0)} MB before the insert${r.compiled ? ", compiled JS" : ", under @swc/register"}), ${Math.round(r.rowsPerSecond).toLocaleString("en-US")} rows/s`);
    process.stdout.write(`\nunitwork benchmark, ${started.toISOString()} — ${machine}${QUICK ? " — quick" : ""}\n${tables}\n\n${rssLines.join("\n")}\n`);
    if (analyzer) process.stdout.write(`\nAnalyzer overhead (log / off): TPC-B ${analyzer.ratio.toFixed(2)}× throughput, ${analyzer.cpuRatio.toFixed(2)}× Node CPU per transaction; entity workload ${analyzer.entityRatio.toFixed(2)}×\n`);
    if (telemetry) {
      process.stdout.write(`\nTelemetry overhead (TPC-B, no SDK / SDK with spans dropped): ${telemetry.ratio.toFixed(2)}× throughput, ${telemetry.cpuRatio.toFixed(2)}× Node CPU per transaction\n`);
      process.stdout.write(`  with callSites: true (code.* with the analyzer off): ${telemetry.callSitesRatio.toFixed(2)}× throughput, ${telemetry.callSitesCpuRatio.toFixed(2)}× Node CPU per transaction\n`);
    }
    if (readRouting) process.stdout.write(`\n${readRoutingSummary(readRouting)}\n`);
    if (checkpointState.refused) process.stdout.write("\nNote: this server refused CHECKPOINT (no pg_checkpoint role), so a run may include a checkpoint of the previous run's writes.\n");

    const dir = join(__dirname, "results");
    await mkdir(dir, { recursive: true });
    // only a full run replaces the published figures (README chart, docs/bulk.md)
    const name = QUICK || flag("only") || flag("sizes") ? "partial" : "latest";
    const subtitle = `${started.toISOString().slice(0, 10)} · ${machine}`;
    await writeFile(
      join(dir, `${name}.json`),
      `${JSON.stringify({ date: started.toISOString(), machine, quick: QUICK, clients: summary.clients, unavailable: summary.unavailable, runs: sizes.map((size) => ({ size, runs: runsFor(size) })), targets: summary.targets, measurements, rss, analyzer, telemetry, readRouting, peerTable: summary.peerTable, markdown: tables }, null, 2)}\n`,
    );
    await writeFile(join(dir, `${name}.svg`), svgChart(measurements, subtitle));
    const charts = Object.entries(peers.charts(measurements, subtitle));
    for (const [chart, svg] of charts) await writeFile(join(dir, `${name}.${chart}.svg`), svg);
    const written = [`${name}.svg`, ...charts.map(([chart]) => `${name}.${chart}.svg`)];
    process.stdout.write(`\nwrote ${join(dir, name)}.json and ${written.join(", ")}\n`);
  } finally {
    handles.closing = true;
    await (await handles.peers?.catch(() => undefined))?.close().catch(() => undefined);
    await handles.uw?.close().catch(() => undefined);
    await handles.uwNoAnalyzer?.close().catch(() => undefined);
    await handles.pool?.end().catch(() => undefined);
    if (handles.dataSource?.isInitialized) await handles.dataSource.destroy().catch(() => undefined);
    await database.drop();
  }
}

interface RssResult {
  rows: number;
  returning: "none" | "ids";
  peakRssMb: number;
  /** RSS of the same process just before the insert. */
  baselineRssMb: number;
  /** Whether the probe ran as tsc-compiled JavaScript (else under @swc/register). */
  compiled: boolean;
  rowsPerSecond: number;
}

/**
 * Runs the insert in a child process so that its peak RSS is the insert's alone, from JavaScript
 * compiled by tsc as an application would deploy it (under @swc/register the TypeScript compiler
 * itself adds about 27 MB to the process); falls back to @swc/register when tsc fails.
 */
async function rssProbe(url: string, rows: number): Promise<RssResult[]> {
  const root = join(__dirname, "..");
  const build = join(root, ".bench-build");
  let command = [join(build, "benchmarks", "rss-probe.js")];
  let compiled = true;
  try {
    await promisify(execFile)(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json"), "--outDir", build, "--declaration", "false", "--sourceMap", "false"], { cwd: root }).catch((error: { stdout?: string }) => {
      // Type errors elsewhere in the tree still emit; only a missing probe counts as a failure.
      if (!existsSync(command[0]!)) throw error;
    });
  } catch {
    compiled = false;
    command = ["-r", "@swc/register", join(__dirname, "rss-probe.ts")];
  }
  const out: RssResult[] = [];
  try {
    for (const returning of ["none", "ids"] as const) {
      const { stdout } = await promisify(execFile)(process.execPath, [...command, url, String(rows), returning], { maxBuffer: 1 << 20, cwd: root });
      const parsed = JSON.parse(stdout.trim().split("\n").pop()!);
      out.push({ rows: parsed.rows, returning, compiled, peakRssMb: parsed.peakRssMb, baselineRssMb: parsed.baselineRssMb, rowsPerSecond: parsed.rowsPerSecond });
    }
  } finally {
    await rm(build, { recursive: true, force: true });
  }
  return out;
}

/** The analyzer engineer's overhead benchmark, when benchmarks/analyzer-overhead.ts exists. */
async function analyzerOverhead(url: string): Promise<AnalyzerOverhead | undefined> {
  const file = join(__dirname, "analyzer-overhead.ts");
  if (!existsSync(file)) {
    process.stdout.write("\n(benchmarks/analyzer-overhead.ts is absent: analyzer overhead not measured)\n");
    return undefined;
  }
  // A .ts file: loaded through require so that @swc/register compiles it (import() would bypass it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(file) as { runAnalyzerOverhead(opts: { url: string; quick: boolean; schemaReady: boolean }): Promise<AnalyzerOverhead> };
  try {
    return await module.runAnalyzerOverhead({ url, quick: QUICK, schemaReady: true });
  } catch (error) {
    process.stdout.write(`\nanalyzer overhead benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}


main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
