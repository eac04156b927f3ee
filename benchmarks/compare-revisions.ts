/**
 * This tree against an earlier revision: TPC-B (five statements through repositories in one unit of
 * work) on both trees' unitwork, analyzer `log` and `off`, over one database. Between two unpaired
 * processes this machine's noise (10–20%) hides a 5% change, so every measure pairs the two trees
 * closely:
 *
 * - default: both trees in one process, interleaved rounds of `--transactions`, one client on a
 *   database without fsync; Node CPU per transaction of each, and the median over the rounds of
 *   this tree / that revision;
 * - `--workers=8`: `npm run bench`'s own measure, both trees in one process, throughput of that many clients for `--seconds`
 *   per round on a database with fsync and synchronous_commit on (as the bench's; DATABASE_URL's
 *   server keeps its own settings, and the output says so); tx/s of each and
 *   the median over the rounds of that revision / this tree (above 1: this tree is slower), with
 *   Node CPU per transaction beside it.
 * - `--processes=12`: one tree and one analyzer mode per child process (one client, no fsync), the
 *   two trees' processes in pairs (ABBA order); Node CPU per transaction after a warm-up, and the
 *   median over the pairs of this tree / that revision. In one process the trees share one garbage
 *   collector, so a change in what one of them keeps alive is paid by both; here it is not. Nor do
 *   they share Node's promise hook, which propagates every enabled AsyncLocalStorage onto every
 *   promise of the process: in one process, each promise of either tree also pays for the other
 *   tree's storages (bf8a90a has four per instance and one per process), so the tree with more promises is charged more.
 *   With `--workers=8`: the bench's own measure per process instead (8 clients, fsync on, tx/s for
 *   `--seconds` after 3 s of warm-up), and the median over the pairs of that revision / this tree.
 * - `--instructions`: machine instructions per transaction, counted by valgrind (cachegrind without
 *   its cache simulation) in one child process per tree, mode and length, with `node --single-threaded`
 *   (compilation and garbage collection on the main thread; repeated counts agreed within 0.9%): the
 *   count of `--warmup` + `--transactions` transactions minus that of `--warmup` alone, divided by
 *   `--transactions`. Not a time: cache misses and the other threads' parallelism are not in it, but
 *   unlike Node CPU it does not move by 10–30% between runs. Needs `valgrind` on the PATH and an
 *   otherwise idle machine (the count depends on timing: a second valgrind beside it moved one by 8%).
 *
 *   npm run bench:compare -- bf8a90a [--rounds=20] [--transactions=200]
 *   npm run bench:compare -- bf8a90a --workers=8 [--rounds=12] [--seconds=2]
 *   npm run bench:compare -- bf8a90a --processes=12 [--transactions=3000]
 *   npm run bench:compare -- bf8a90a --processes=12 --workers=8 [--seconds=8]
 *   npm run bench:compare -- bf8a90a --instructions [--warmup=3000] [--transactions=3000]
 *
 * The revision is checked out with `git worktree` under `.bench-revisions/` (removed after) and
 * loaded through @swc/register with this tree's node_modules; it must have `benchmarks/tpcb.ts`
 * (2026-11-21 on). Starts embedded PostgreSQL when DATABASE_URL is unset.
 */
import "reflect-metadata";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { openThrowawayDatabase, runAdmin } from "../examples/support/throwaway-database";
import { BENCH_SCHEMA } from "./bench-schema";
import { runTpcb, type Transfer, type TpcbPath } from "./tpcb";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];

type Mode = "log" | "off";

/** The unitwork TPC-B path of the source tree `root`, in one analyzer mode, on its own instance (closed by `closers`). */
async function pathOf(root: string, url: string, poolMax: number, mode: Mode, closers: (() => Promise<unknown>)[]): Promise<TpcbPath> {
  /* eslint-disable @typescript-eslint/no-require-imports -- a tree chosen at run time, compiled by @swc/register */
  const { createUnitwork, dataSourceOptionsFromEnv } = require(join(root, "src"));
  const { registerTpcbRepositories, tpcbPaths } = require(join(root, "benchmarks/tpcb"));
  const { benchEntities } = require(join(root, "benchmarks/bench-schema"));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: String(poolMax) }), entities: benchEntities };
  const uw = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode } });
  closers.push(() => uw.close());
  registerTpcbRepositories(uw);
  // tpcbPaths lists raw pg, TypeORM, then unitwork with its two instances: the third is the first instance's
  return (tpcbPaths(undefined as never, undefined as never, uw, uw) as TpcbPath[])[2]!;
}

/** The TPC-B paths of the unitwork in `root`, analyzer `log` and `off`. */
async function pathsOf(root: string, url: string, poolMax: number, closers: (() => Promise<unknown>)[]): Promise<Record<Mode, TpcbPath>> {
  return { log: await pathOf(root, url, poolMax, "log", closers), off: await pathOf(root, url, poolMax, "off", closers) };
}

/** A deterministic sequence of transfers over the bench tables (the same in every run). */
function transfers(): () => Transfer {
  let k = 0;
  return () => ({ aid: 1 + ((++k * 7919) % 100_000), tid: 1 + (k % 10), bid: 1, delta: (k % 200) - 100 });
}

/** Node CPU (ms) per transaction of `transactions` transactions run one after another. */
async function cpuPerTransaction(path: TpcbPath, transactions: number, next: () => Transfer): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < transactions; i++) await path.transaction(next());
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / transactions;
}

/** tx/s of `workers` clients over `seconds`, and the Node CPU (ms) per transaction they took. */
async function measureThroughput(path: TpcbPath, workers: number, seconds: number): Promise<{ txPerSecond: number; cpu: number }> {
  const stats = { transactions: 0 };
  const started = process.cpuUsage();
  const txPerSecond = await runTpcb(path, workers, seconds, stats);
  const used = process.cpuUsage(started);
  return { txPerSecond, cpu: (used.user + used.system) / 1000 / stats.transactions };
}

/**
 * A `--processes` or `--instructions` child: TPC-B of one tree in one analyzer mode; prints its Node
 * CPU per transaction (ms) as JSON, or with `workers` its tx/s and CPU over `seconds`.
 */
async function child(root: string, url: string, mode: Mode, transactions: number, warmup: number, workers = 1, seconds = 0): Promise<void> {
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const path = await pathOf(root, url, Math.max(4, workers), mode, closers);
    if (workers > 1) {
      await runTpcb(path, workers, 3); // warm-up (the optimizing compiler is still busy after 1 s)
      process.stdout.write(`${JSON.stringify(await measureThroughput(path, workers, seconds))}\n`);
      return;
    }
    const next = transfers();
    await cpuPerTransaction(path, warmup, next);
    process.stdout.write(`${JSON.stringify({ cpu: transactions > 0 ? await cpuPerTransaction(path, transactions, next) : 0 })}\n`);
  } finally {
    for (const close of closers) await close();
  }
}

/** The script and arguments of a child process (Node's own flags first, as this process got them). */
function childArgs(root: string, url: string, mode: Mode, transactions: number, warmup = 1000, workers = 1, seconds = 0): string[] {
  return [...process.execArgv, __filename, `--child=${root}`, `--url=${url}`, `--mode=${mode}`, `--warmup=${warmup}`, `--transactions=${transactions}`, `--workers=${workers}`, `--seconds=${seconds}`];
}

/** `--processes=N`: N pairs of child processes per analyzer mode, the two trees in ABBA order. */
function compareProcesses(trees: Record<string, string>, sha: string, url: string, o: { pairs: number; transactions: number; workers: number; seconds: number; durability: string }): void {
  const run = (root: string, mode: Mode): { cpu: number; txPerSecond?: number } => {
    const result = spawnSync(process.execPath, childArgs(root, url, mode, o.transactions, 1000, o.workers, o.seconds), { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`a child process failed (exit ${result.status}): ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { cpu: number; txPerSecond?: number };
  };
  const throughput = o.workers > 1;
  process.stdout.write(
    throughput
      ? `TPC-B, ${o.workers} clients, ${o.durability}, one tree and mode per process, ${o.pairs} pairs of processes per mode, ${o.seconds} s each after 3 s of warm-up (median):\n`
      : `TPC-B, one client, one tree and mode per process, ${o.pairs} pairs of processes per mode, ${o.transactions} transactions each after 1,000 of warm-up, Node CPU per transaction (median):\n`,
  );
  const spread = (ratios: number[]) => [...ratios].sort((a, b) => a - b).map((r) => r.toFixed(2)).join(" ");
  for (const mode of ["log", "off"] as const) {
    const that: { cpu: number; txPerSecond?: number }[] = [];
    const mine: { cpu: number; txPerSecond?: number }[] = [];
    for (let pair = 0; pair < o.pairs; pair++) {
      if (pair % 2 === 0) {
        that.push(run(trees[sha]!, mode));
        mine.push(run(trees.this!, mode));
      } else {
        mine.push(run(trees.this!, mode));
        that.push(run(trees[sha]!, mode));
      }
    }
    const cpu = mine.map((x, i) => x.cpu / that[i]!.cpu);
    if (throughput) {
      const tps = that.map((x, i) => x.txPerSecond! / mine[i]!.txPerSecond!);
      process.stdout.write(`  ${mode}: ${sha} ${median(that.map((x) => x.txPerSecond!)).toFixed(0)} tx/s, this tree ${median(mine.map((x) => x.txPerSecond!)).toFixed(0)} tx/s; ${sha} / this tree (above 1: this tree is slower) ${median(tps).toFixed(3)}× (pairs ${spread(tps)}); Node CPU per transaction, this tree / ${sha} ${median(cpu).toFixed(3)}×\n`);
    } else {
      process.stdout.write(`  ${mode}: ${sha} ${median(that.map((x) => x.cpu)).toFixed(3)} ms, this tree ${median(mine.map((x) => x.cpu)).toFixed(3)} ms; this tree / ${sha} ${median(cpu).toFixed(3)}× (pairs ${spread(cpu)})\n`);
    }
  }
}

/** `--instructions`: instructions per transaction of each tree and mode, counted by valgrind in child processes. */
function compareInstructions(trees: Record<string, string>, sha: string, url: string, o: { warmup: number; transactions: number }): void {
  // A child that runs `warmup` transactions, then `transactions` more (0: none), under cachegrind; its total count.
  const count = (root: string, mode: Mode, transactions: number): number => {
    const node = [process.execPath, "--single-threaded", ...childArgs(root, url, mode, transactions, o.warmup)];
    const result = spawnSync("valgrind", ["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", ...node], { encoding: "utf8" });
    if (result.error) throw new Error(`--instructions needs valgrind on the PATH (${result.error.message})`);
    const total = /I\s+refs:\s+([\d,]+)/.exec(result.stderr)?.[1];
    if (result.status !== 0 || !total) throw new Error(`a child process under valgrind failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
    return Number(total.replace(/,/g, ""));
  };
  const perTransaction = (root: string, mode: Mode) => (count(root, mode, o.transactions) - count(root, mode, 0)) / o.transactions;
  process.stdout.write(`TPC-B, one client, instructions per transaction (valgrind, node --single-threaded), transactions ${o.warmup + 1}-${o.warmup + o.transactions} of one process:\n`);
  for (const mode of ["log", "off"] as const) {
    const that = perTransaction(trees[sha]!, mode);
    const mine = perTransaction(trees.this!, mode);
    process.stdout.write(`  ${mode}: ${sha} ${Math.round(that).toLocaleString("en")}, this tree ${Math.round(mine).toLocaleString("en")}; this tree / ${sha} ${(mine / that).toFixed(3)}×\n`);
  }
}

async function main(): Promise<void> {
  const childRoot = flag("child");
  if (childRoot) return child(childRoot, flag("url")!, flag("mode") as Mode, Number(flag("transactions")), Number(flag("warmup") ?? 1000), Number(flag("workers") ?? 1), Number(flag("seconds") ?? 0));
  const revision = process.argv.slice(2).find((a) => !a.startsWith("--"));
  if (!revision) throw new Error("usage: npm run bench:compare -- <revision> [--rounds=20] [--transactions=200]");
  const workers = Number(flag("workers") ?? 1);
  const throughput = workers > 1;
  const rounds = Number(flag("rounds") ?? (throughput ? 12 : 20));
  const transactions = Number(flag("transactions") ?? 200);
  const seconds = Number(flag("seconds") ?? 2);
  const pairs = Number(flag("processes") ?? 0);
  const here = join(__dirname, "..");
  const sha = execFileSync("git", ["rev-parse", "--short", `${revision}^{commit}`], { cwd: here, encoding: "utf8" }).trim();
  const parent = join(here, ".bench-revisions");
  mkdirSync(parent, { recursive: true });
  const tree = join(parent, sha);
  if (!existsSync(tree)) execFileSync("git", ["worktree", "add", "--detach", tree, sha], { cwd: here, stdio: "ignore" });
  const database = await openThrowawayDatabase({ label: "unitwork_compare", durable: throughput, announce: "DATABASE_URL is unset: starting embedded PostgreSQL …" });
  // Said as it is: DATABASE_URL's server keeps its own fsync setting.
  const durability = database.embedded ? "fsync on" : "fsync as DATABASE_URL's server has it";
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await runAdmin(database.url, async (c) => {
      for (const sql of BENCH_SCHEMA) await c.query(sql);
    });
    if (pairs > 0) {
      compareProcesses({ [sha]: tree, this: here }, sha, database.url, { pairs, transactions: Number(flag("transactions") ?? 3000), workers, seconds: Number(flag("seconds") ?? 8), durability });
      return;
    }
    if (process.argv.includes("--instructions")) {
      compareInstructions({ [sha]: tree, this: here }, sha, database.url, { warmup: Number(flag("warmup") ?? 3000), transactions: Number(flag("transactions") ?? 3000) });
      return;
    }
    const poolMax = Math.max(4, workers);
    const trees = { [sha]: await pathsOf(tree, database.url, poolMax, closers), this: await pathsOf(here, database.url, poolMax, closers) };
    const runs = Object.entries(trees).flatMap(([name, paths]) => [{ name: `${name} log`, path: paths.log }, { name: `${name} off`, path: paths.off }]);
    if (throughput) {
      await compareThroughput(runs, sha, { workers, rounds, seconds, durability });
      return;
    }
    const next = transfers();
    const round = (path: TpcbPath) => cpuPerTransaction(path, transactions, next);
    for (const run of runs) await round(run.path); // warm-up
    const cpu = new Map<string, number[]>(runs.map((r) => [r.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const run of r % 2 === 0 ? runs : [...runs].reverse()) cpu.get(run.name)!.push(await round(run.path));
    }
    const ratio = (a: string, b: string) => median(cpu.get(a)!.map((x, i) => x / cpu.get(b)![i]!)).toFixed(3);
    process.stdout.write(`TPC-B, one client, ${rounds} interleaved rounds of ${transactions} transactions, Node CPU per transaction (median):\n`);
    for (const run of runs) process.stdout.write(`  ${run.name.padEnd(12)} ${median(cpu.get(run.name)!).toFixed(3)} ms\n`);
    process.stdout.write(`this tree / ${sha}: log ${ratio("this log", `${sha} log`)}×, off ${ratio("this off", `${sha} off`)}×\n`);
    process.stdout.write(`log / off: this tree ${ratio("this log", "this off")}×, ${sha} ${ratio(`${sha} log`, `${sha} off`)}×\n`);
  } finally {
    for (const close of closers) await close();
    await database.drop();
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: here, stdio: "ignore" });
  }
}

/** `--workers=N`: tx/s of N clients per path in interleaved rounds, and Node CPU per transaction beside it. */
async function compareThroughput(runs: { name: string; path: TpcbPath }[], sha: string, o: { workers: number; rounds: number; seconds: number; durability: string }): Promise<void> {
  const round = (path: TpcbPath) => measureThroughput(path, o.workers, o.seconds);
  for (const run of runs) await runTpcb(run.path, o.workers, 1); // warm-up
  const tps = new Map<string, number[]>(runs.map((r) => [r.name, []]));
  const cpu = new Map<string, number[]>(runs.map((r) => [r.name, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const run of r % 2 === 0 ? runs : [...runs].reverse()) {
      const measured = await round(run.path);
      tps.get(run.name)!.push(measured.txPerSecond);
      cpu.get(run.name)!.push(measured.cpu);
    }
  }
  const ratio = (of: Map<string, number[]>, a: string, b: string) => median(of.get(a)!.map((x, i) => x / of.get(b)![i]!)).toFixed(3);
  process.stdout.write(`TPC-B, ${o.workers} clients, ${o.durability}, ${o.rounds} interleaved rounds of ${o.seconds} s (median):\n`);
  for (const run of runs) process.stdout.write(`  ${run.name.padEnd(12)} ${median(tps.get(run.name)!).toFixed(0)} tx/s, ${median(cpu.get(run.name)!).toFixed(3)} ms Node CPU per transaction\n`);
  process.stdout.write(`${sha} / this tree, tx/s (above 1: this tree is slower): log ${ratio(tps, `${sha} log`, "this log")}×, off ${ratio(tps, `${sha} off`, "this off")}×\n`);
  process.stdout.write(`this tree / ${sha}, Node CPU per transaction: log ${ratio(cpu, "this log", `${sha} log`)}×, off ${ratio(cpu, "this off", `${sha} off`)}×\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
