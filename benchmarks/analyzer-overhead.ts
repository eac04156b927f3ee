/**
 * The query analyzer's overhead on a unit-of-work workload: the same units of work (read an account,
 * list its last entries, insert an entry, update the account) on two unitwork instances over one
 * database, one with the analyzer `off` and one in `log` mode, in interleaved rounds so that both see
 * the same machine load. `ratio` = log time / off time (target <= 1.10).
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
import { openThrowawayDatabase } from "../examples/support/throwaway-database";

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

export async function runAnalyzerOverhead(opts: { url: string; quick: boolean }): Promise<{ rows: Array<Record<string, unknown>>; ratio: number }> {
  const client = new Client({ connectionString: opts.url });
  await client.connect();
  try {
    for (const sql of SCHEMA) await client.query(sql);
    await client.query(`TRUNCATE analyzer_bench_entry, analyzer_bench_account RESTART IDENTITY`);
    await client.query(`INSERT INTO analyzer_bench_account (name) SELECT 'account ' || g FROM generate_series(1, ${ACCOUNTS}) g`);
  } finally {
    await client.end();
  }
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: opts.url, DB_POOL_MAX: "4" }), entities: [BenchAccount, BenchEntry] };
  const off = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "off" } });
  const log = await createUnitwork({ dataSource: new DataSource(options as never), logger: quiet, analyzer: { mode: "log" } });
  let reports = 0;
  let findings = 0;
  log.analyzer.onReport((r) => {
    reports++;
    findings += r.findings.length;
  });
  const rounds = opts.quick ? 6 : 12;
  const units = opts.quick ? 40 : 100;
  const totals = { off: 0, log: 0 };
  const cpu = { off: 0, log: 0 };
  try {
    // Warm-up: connections, metadata, plan caches, the parser.
    await round(off, 20, 0);
    await round(log, 20, 0);
    reports = 0;
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first so that neither always runs on a warmer cache.
      const order: ("off" | "log")[] = r % 2 === 0 ? ["off", "log"] : ["log", "off"];
      for (const mode of order) {
        const measured = await round(mode === "off" ? off : log, units, r * units);
        totals[mode] += measured.wall;
        cpu[mode] += measured.cpu;
      }
    }
  } finally {
    await off.close();
    await log.close();
  }
  const count = rounds * units;
  const rows = (["off", "log"] as const).map((mode) => ({
    benchmark: "analyzer overhead",
    mode,
    unitsOfWork: count,
    statementsPerUnit: 4,
    totalMs: Math.round(totals[mode]),
    msPerUnit: Number((totals[mode] / count).toFixed(3)),
    // Node's own CPU per unit of work: what the analyzer adds, without the database's share or the machine's noise.
    cpuMsPerUnit: Number((cpu[mode] / count).toFixed(3)),
    ...(mode === "log" ? { reports, findings } : {}),
  }));
  return { rows, ratio: totals.log / totals.off };
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
      const { rows, ratio } = await runAnalyzerOverhead({ url, quick });
      console.table(rows);
      const [offRow, logRow] = rows as { cpuMsPerUnit: number }[];
      console.log(`analyzer overhead (log / off): wall ${ratio.toFixed(3)}x, Node CPU ${(logRow!.cpuMsPerUnit / offRow!.cpuMsPerUnit).toFixed(3)}x`);
    } finally {
      await database.drop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
