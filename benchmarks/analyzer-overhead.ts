/**
 * The query analyzer's overhead, `log` mode against `off`, on two unitwork instances over one
 * database, in interleaved rounds so that both see the same machine load:
 * - TPC-B (the target: `log` at most 10% slower): the bench's TPC-B transactions (five statements
 *   through repositories in one unit of work), 8 concurrent clients. `ratio` = the median, over the
 *   rounds, of off tx/s / log tx/s of one round; also this process's CPU per transaction.
 * - an entity-API workload (read an account, list its last entries, insert an entry, update the
 *   account), one client: `entityRatio` = log time / off time.
 * Neither instance has a report listener (one would make `log` build a full report per unit).
 * After the rounds, one N+1 loop on the `log` instance shows that it was analyzing.
 *
 * Alone: `node -r @swc/register benchmarks/analyzer-overhead.ts [--quick] [--no-fsync]` (starts
 * embedded PostgreSQL when DATABASE_URL is unset; `--no-fsync` takes commit latency out, which
 * shows the analyzer's CPU cost at its largest). `benchmarks/run.ts` calls `runAnalyzerOverhead`.
 */
import "reflect-metadata";
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from "typeorm";
import { IsInt, IsOptional, IsString } from "class-validator";
import { Client } from "pg";
import { createUnitwork, dataSourceOptionsFromEnv, type Unitwork } from "../src";
import { openThrowawayDatabase, runAdmin } from "../examples/support/throwaway-database";
import { BENCH_SCHEMA, benchEntities } from "./bench-schema";
import { registerTpcbRepositories, runTpcb, tpcbPaths } from "./tpcb";

@Entity({ name: "analyzer_bench_account" })
class BenchAccount {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "text" })
  @IsString()
  name!: string;

  @Column({ type: "integer", default: 0 })
  @IsInt()
  balance!: number;
}

@Entity({ name: "analyzer_bench_entry" })
class BenchEntry {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "integer" })
  @IsInt()
  accountId!: number;

  @Column({ type: "integer" })
  @IsInt()
  amount!: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS analyzer_bench_account (id serial PRIMARY KEY, name text NOT NULL, balance integer NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS analyzer_bench_entry (id serial PRIMARY KEY, "accountId" integer NOT NULL, amount integer NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS analyzer_bench_entry_account ON analyzer_bench_entry ("accountId", id)`,
];
const ACCOUNTS = 100;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function unitOfWork(uw: Unitwork, i: number): Promise<void> {
  const accountId = 1 + (i % ACCOUNTS);
  await uw.unitOfWork.run(async (ctx) => {
    const accounts = ctx.repository(BenchAccount);
    const account = await accounts.getByIdOrFail(accountId);
    await ctx.repository(BenchEntry).findMany({ where: { accountId }, orderBy: "-id", limit: 10 });
    await ctx.repository(BenchEntry).create({ accountId, amount: 1 });
    await accounts.update(accountId, { balance: account.balance + 1 });
  });
}

/** Wall time and this process's CPU time (user + system) of `units` units of work, in ms. */
async function round(uw: Unitwork, units: number, offset: number): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < units; i++) await unitOfWork(uw, offset + i);
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}

const WORKERS = 8;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The figures: TPC-B (the target) and the entity workload, log against off. */
export interface AnalyzerOverhead {
  rows: Array<Record<string, unknown>>;
  /** TPC-B: median over the rounds of off tx/s / log tx/s (target <= 1.10). */
  ratio: number;
  /** TPC-B: median over the rounds of log / off Node CPU per transaction. */
  cpuRatio: number;
  /** The entity workload: log time / off time. */
  entityRatio: number;
}

/** `schemaReady`: the TPC-B tables exist already (benchmarks/run.ts made them). */
export async function runAnalyzerOverhead(opts: { url: string; quick: boolean; schemaReady?: boolean }): Promise<AnalyzerOverhead> {
  const client = new Client({ connectionString: opts.url });
  await client.connect();
  try {
    for (const sql of SCHEMA) await client.query(sql);
    await client.query(`TRUNCATE analyzer_bench_entry, analyzer_bench_account RESTART IDENTITY`);
    await client.query(`INSERT INTO analyzer_bench_account (name) SELECT 'account ' || g FROM generate_series(1, ${ACCOUNTS}) g`);
  } finally {
    await client.end();
  }
  if (!opts.schemaReady) {
    await runAdmin(opts.url, async (c) => {
      for (const sql of BENCH_SCHEMA) await c.query(sql);
    });
  }
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: opts.url, DB_POOL_MAX: String(WORKERS) }), entities: [BenchAccount, BenchEntry, ...benchEntities] };
  const off = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "off" } });
  const log = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "log" } });
  registerTpcbRepositories(off);
  registerTpcbRepositories(log);
  const tpcb = { off: tpcbPaths(undefined as never, undefined as never, off, off)[3]!, log: tpcbPaths(undefined as never, undefined as never, log, log)[3]! };
  const tpcbRounds = opts.quick ? 6 : 20;
  const seconds = opts.quick ? 1 : 2;
  const tpcbRuns = { off: [] as { tps: number; cpuMsPerTx: number }[], log: [] as { tps: number; cpuMsPerTx: number }[] };
  const rounds = opts.quick ? 6 : 12;
  const units = opts.quick ? 40 : 100;
  const totals = { off: 0, log: 0 };
  const cpu = { off: 0, log: 0 };
  let findings = 0;
  try {
    // Warm-up: connections, metadata, plan caches, the parser.
    await runTpcb(tpcb.off, WORKERS, 1);
    await runTpcb(tpcb.log, WORKERS, 1);
    // Short TPC-B rounds, off and log back to back (which goes first alternates): each pair saw the
    // same machine, and the median of the pairs' ratios is what other load disturbs least.
    for (let r = 0; r < tpcbRounds; r++) {
      for (const mode of r % 2 === 0 ? (["off", "log"] as const) : (["log", "off"] as const)) {
        const started = process.cpuUsage();
        const tps = await runTpcb(tpcb[mode], WORKERS, seconds);
        const used = process.cpuUsage(started);
        tpcbRuns[mode].push({ tps, cpuMsPerTx: (used.user + used.system) / 1000 / (tps * seconds) });
      }
    }
    await round(off, 20, 0);
    await round(log, 20, 0);
    for (let r = 0; r < rounds; r++) {
      const order: ("off" | "log")[] = r % 2 === 0 ? ["off", "log"] : ["log", "off"];
      for (const mode of order) {
        const measured = await round(mode === "off" ? off : log, units, r * units);
        totals[mode] += measured.wall;
        cpu[mode] += measured.cpu;
      }
    }
    // The log instance was analyzing all along: an N+1 loop now is reported.
    const stop = log.analyzer.onFindings((report) => (findings += report.findings.length));
    await log.unitOfWork.run(async (ctx) => {
      for (let id = 1; id <= 5; id++) await ctx.repository(BenchAccount).getById(id);
    });
    stop();
  } finally {
    await off.close();
    await log.close();
  }
  const count = rounds * units;
  const rows: Array<Record<string, unknown>> = (["off", "log"] as const).map((mode) => ({
    benchmark: "analyzer overhead (TPC-B, 8 clients)",
    mode,
    medianTps: Math.round(median(tpcbRuns[mode].map((x) => x.tps))),
    cpuMsPerTx: Number(median(tpcbRuns[mode].map((x) => x.cpuMsPerTx)).toFixed(3)),
  }));
  rows.push(
    ...(["off", "log"] as const).map((mode) => ({
      benchmark: "analyzer overhead (entity API, 1 client)",
      mode,
      unitsOfWork: count,
      msPerUnit: Number((totals[mode] / count).toFixed(3)),
      // Node's own CPU per unit of work: what the analyzer adds, without the database's share.
      cpuMsPerUnit: Number((cpu[mode] / count).toFixed(3)),
      ...(mode === "log" ? { findingsOfTheCheckLoop: findings } : {}),
    })),
  );
  if (findings === 0) throw new Error("the log instance reported no finding for an N+1 loop: it was not analyzing");
  return {
    rows,
    ratio: median(tpcbRuns.off.map((x, i) => x.tps / tpcbRuns.log[i]!.tps)),
    cpuRatio: median(tpcbRuns.log.map((x, i) => x.cpuMsPerTx / tpcbRuns.off[i]!.cpuMsPerTx)),
    entityRatio: totals.log / totals.off,
  };
}

if (require.main === module) {
  (async () => {
    const quick = process.argv.includes("--quick");
    const database = await openThrowawayDatabase({
      label: "unitwork_analyzer_bench",
      durable: !process.argv.includes("--no-fsync"),
      announce: "DATABASE_URL is unset: starting embedded PostgreSQL …",
    });
    const { url } = database;
    try {
      const { rows, ratio, cpuRatio, entityRatio } = await runAnalyzerOverhead({ url, quick });
      console.table(rows);
      console.log(`analyzer overhead (log / off): TPC-B ${ratio.toFixed(3)}x throughput, ${cpuRatio.toFixed(3)}x Node CPU per transaction; entity workload ${entityRatio.toFixed(3)}x wall`);
    } finally {
      await database.drop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
