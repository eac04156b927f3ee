/**
 * Streaming reads side by side: `repo.stream()` against hand-written `pg-query-stream` and a plain
 * pg cursor loop over the same rows, each in a child process of its own (stream-probe.ts) so that
 * its peak RSS is its own; interleaved rounds, median rows/s and the median of per-round ratios.
 * Usage: node -r @swc/register benchmarks/stream-compare.ts [--rows=1000000] [--rounds=3] [--batch=1000]
 * [--modes=unitwork,pg-query-stream,pg-cursor]. Uses DATABASE_URL's server, else embedded PostgreSQL.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { openThrowawayDatabase, runAdmin } from "../examples/support/throwaway-database";
import { BENCH_SCHEMA } from "./bench-schema";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const ROWS = Number(flag("rows", "1000000"));
const ROUNDS = Number(flag("rounds", "3"));
const BATCH = Number(flag("batch", "1000"));
const MODES = flag("modes", "unitwork,pg-query-stream,pg-cursor").split(",");

interface ProbeResult {
  mode: string;
  rows: number;
  checksum: number;
  rowsPerSecond: number;
  peakRssMb: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The probe compiled to JavaScript (no transpiler in the measured process), else run through swc. */
async function probeCommand(root: string, build: string): Promise<string[]> {
  const compiled = join(build, "benchmarks", "stream-probe.js");
  await promisify(execFile)(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json"), "--outDir", build, "--declaration", "false", "--sourceMap", "false"], { cwd: root, maxBuffer: 1 << 24 }).catch(() => undefined);
  if (existsSync(compiled)) return [compiled];
  process.stderr.write("could not compile the probe: measuring it through @swc/register (its RSS includes the transpiler)\n");
  return ["-r", "@swc/register", join(__dirname, "stream-probe.ts")];
}

async function main(): Promise<void> {
  const root = join(__dirname, "..");
  const build = join(root, ".bench-build-stream");
  const database = await openThrowawayDatabase({ label: "unitwork_stream", durable: true });
  try {
    await runAdmin(database.url, async (c) => {
      await c.query(BENCH_SCHEMA[0]!);
      await c.query(`INSERT INTO bench_logs (function_id, level, message) SELECT (g % 100) + 1, 'info', 'streamed row ' || g || ': GET /api/v1/functions/' || (g % 977) FROM generate_series(1, ${ROWS}) g`);
      await c.query("VACUUM ANALYZE bench_logs");
    });
    const command = await probeCommand(root, build);
    const results = new Map<string, ProbeResult[]>(MODES.map((m) => [m, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
        const { stdout } = await promisify(execFile)(process.execPath, [...command, database.url, mode, String(BATCH)], { cwd: root, maxBuffer: 1 << 20 });
        const result = JSON.parse(stdout.trim().split("\n").pop()!) as ProbeResult;
        if (result.rows !== ROWS) throw new Error(`${mode} read ${result.rows} rows, not ${ROWS}`);
        results.get(mode)!.push(result);
        process.stderr.write(`round ${round + 1} ${mode}: ${Math.round(result.rowsPerSecond)} rows/s, peak RSS ${result.peakRssMb.toFixed(0)} MB\n`);
      }
    }
    const checksums = new Set([...results.values()].map((r) => r[0]!.checksum));
    if (checksums.size !== 1) throw new Error("the paths read different rows");
    const reference = results.get("pg-query-stream") ?? results.get("pg-cursor");
    process.stdout.write(`\n${ROWS.toLocaleString("en")} rows, batch ${BATCH}, median of ${ROUNDS} interleaved rounds (node ${process.version})\n\n`);
    process.stdout.write("| path | rows/s | peak RSS (MB) | ratio to " + (results.has("pg-query-stream") ? "pg-query-stream" : "pg-cursor") + " (median of rounds) |\n|---|---|---|---|\n");
    for (const [mode, runs] of results) {
      const ratio = reference ? median(runs.map((r, i) => r.rowsPerSecond / reference[i]!.rowsPerSecond)) : NaN;
      process.stdout.write(`| ${mode} | ${Math.round(median(runs.map((r) => r.rowsPerSecond))).toLocaleString("en")} | ${median(runs.map((r) => r.peakRssMb)).toFixed(0)} | ${ratio.toFixed(2)} |\n`);
    }
  } finally {
    await rm(build, { recursive: true, force: true });
    await database.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
