/**
 * Read routing to a streaming replica: what the consistency check costs per read, and reads/s with one
 * replica against none. Starts its own embedded primary and hot standby (scripts/embedded-replica.mjs,
 * fsync and synchronous_commit on, as in production: a commit's WAL reaches the replica at once);
 * DATABASE_URL is not used, since a replica needs a base backup of a server of our own.
 *
 * Per read, one client, `getById` outside a unit of work, four unitwork instances over one database:
 * - `no replicas`: a DataSource without `replication` (the baseline, on the primary);
 * - `session`: with the replica, in a read-your-writes session whose latest commit the replica has
 *   replayed (the common case: the check compares two numbers, no query);
 * - `eventual`: with the replica, no consistency check;
 * - `consistency "primary"`: with the replica configured but never used (the router's own cost, on the
 *   same server as the baseline).
 * Interleaved rounds (the order rotates), the median of the per-round ratios to the baseline (target:
 * session ≤ 1.05×), of the time per read and of this process's CPU per read (which other load on the
 * machine disturbs less). Also a session's write-then-read cycle (the commit's WAL position read after
 * COMMIT, the replica's replay asked for on the next read), and reads/s of 8 clients with one replica
 * against none. Both servers share this machine's cores, so a replica adds little read capacity here.
 *
 * Alone: `node -r @swc/register benchmarks/read-routing.ts [--quick]`. `benchmarks/run.ts` runs it
 * with `--only=read-routing` (and in a full run).
 */
import "reflect-metadata";
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from "typeorm";
import { Client } from "pg";
import { createUnitwork, dataSourceOptionsFromEnv, type ReplicaOptions, type Unitwork } from "../src";
import type { EmbeddedReplicaPair } from "../scripts/embedded-replica.mjs";

@Entity({ name: "read_bench_item" })
class ReadBenchItem {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: "text" })
  name!: string;

  @Column({ type: "integer", default: 0 })
  value!: number;
}

const ROWS = 1000;
const CLIENTS = 8;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

type Variant = "no replicas" | "session" | "eventual" | 'consistency "primary"';

export interface ReadRoutingResult {
  rows: Array<Record<string, unknown>>;
  /** Median of per-round ratios of the time per read to the baseline's (`no replicas`). */
  ratios: Record<Variant, number>;
  /** The same for this process's CPU time per read. */
  cpuRatios: Record<Variant, number>;
  /** session / eventual: the consistency check alone, both on the replica. */
  checkRatio: number;
  /**
   * The routing decision alone, without a statement: µs to obtain and release a pooled connection for a
   * read (TypeORM's `obtainSlaveConnection`) without replicas and through the router in a session;
   * `perReadRatio` is what the difference adds to the baseline's time per read.
   */
  obtain: { noReplicasUs: number; sessionUs: number; perReadRatio: number };
  /** A session's write + read cycle, ms, with the replica and without. */
  cycleMs: { replica: number; none: number };
  /** reads/s of CLIENTS clients. */
  throughput: { none: number; replica: number; ratio: number };
}

async function sql(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function runReadRouting(opts: { quick: boolean }): Promise<ReadRoutingResult> {
  const { startEmbeddedReplicaPair } = (await import("../scripts/embedded-replica.mjs")) as { startEmbeddedReplicaPair: (o: object) => Promise<EmbeddedReplicaPair> };
  const pair = await startEmbeddedReplicaPair({ durable: true });
  const opened: Unitwork[] = [];
  try {
    await sql(pair.primary.url, "CREATE DATABASE read_bench");
    const primaryUrl = pair.primary.url.replace(/\/postgres$/, "/read_bench");
    const replicaUrl = pair.replica.url.replace(/\/postgres$/, "/read_bench");
    await sql(primaryUrl, "CREATE TABLE read_bench_item (id serial PRIMARY KEY, name text NOT NULL, value integer NOT NULL DEFAULT 0)");
    await sql(primaryUrl, `INSERT INTO read_bench_item (name) SELECT 'item ' || i FROM generate_series(1, ${ROWS}) AS i`);
    await pair.replica.catchUp();
    const { url: _url, ...base } = dataSourceOptionsFromEnv({ DATABASE_URL: primaryUrl, DB_POOL_MAX: String(CLIENTS) }) as unknown as Record<string, unknown>;
    const open = async (replicas?: ReplicaOptions) => {
      const dataSource = new DataSource({
        ...base,
        ...(replicas ? { replication: { master: { url: primaryUrl }, slaves: [{ url: replicaUrl }] } } : { url: primaryUrl }),
        entities: [ReadBenchItem],
      } as never);
      const uw = await createUnitwork({ dataSource, logger: quiet, analyzer: { mode: "off" }, replicas });
      opened.push(uw);
      return uw;
    };
    const instances: Record<Variant, Unitwork> = {
      "no replicas": await open(),
      session: await open({ consistency: "session" }),
      eventual: await open({ consistency: "eventual" }),
      'consistency "primary"': await open({ consistency: "primary" }),
    };
    const variants = Object.keys(instances) as Variant[];
    let next = 0;
    const id = () => 1 + (next++ % ROWS);
    /** ms (wall and this process's CPU) per read over `reads` sequential reads (the session variant in a session with a replayed commit). */
    const perRead = async (variant: Variant, reads: number): Promise<{ ms: number; cpuMs: number }> => {
      const uw = instances[variant];
      const items = uw.repositories.create(ReadBenchItem);
      const loop = async () => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (let i = 0; i < reads; i++) if (!(await items.getById(id()))) throw new Error("a row is missing");
        const used = process.cpuUsage(cpu);
        return { ms: (performance.now() - started) / reads, cpuMs: (used.user + used.system) / 1000 / reads };
      };
      if (variant !== "session") return loop();
      return uw.session(async () => {
        await uw.unitOfWork.run(() => items.update(1, { value: next }));
        await items.getById(1); // the first read waits for the replay (or reads the primary); later ones know it is replayed
        return loop();
      });
    };
    // many short rounds: a burst of load on a shared machine then spoils few of them
    const rounds = opts.quick ? 8 : 30;
    const reads = opts.quick ? 300 : 800;
    for (const variant of variants) await perRead(variant, 300); // warm-up
    const times: Record<Variant, number[]> = { "no replicas": [], session: [], eventual: [], 'consistency "primary"': [] };
    const cpuTimes: Record<Variant, number[]> = { "no replicas": [], session: [], eventual: [], 'consistency "primary"': [] };
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(i + round) % variants.length]!;
        const { ms, cpuMs } = await perRead(variant, reads);
        times[variant].push(ms);
        cpuTimes[variant].push(cpuMs);
      }
    }
    const ratioTo = (variant: Variant, base: Variant, of = times) => median(of[variant].map((t, r) => t / of[base][r]!));

    // the routing decision alone: obtain + release a read connection, many times, in this process only
    const obtainUs = async (uw: Unitwork, count: number) => {
      const driver = uw.dataSource.driver as unknown as { obtainSlaveConnection(): Promise<[unknown, () => void]> };
      const loop = async () => {
        const started = performance.now();
        for (let i = 0; i < count; i++) (await driver.obtainSlaveConnection())[1]();
        return ((performance.now() - started) * 1000) / count;
      };
      return uw === instances.session ? uw.session(async () => {
        await uw.unitOfWork.run(() => uw.repositories.create(ReadBenchItem).update(1, { value: next }));
        await uw.repositories.create(ReadBenchItem).getById(1);
        return loop();
      }) : loop();
    };
    const obtained = { none: [] as number[], session: [] as number[] };
    for (let round = 0; round < (opts.quick ? 5 : 15); round++) {
      obtained.none.push(await obtainUs(instances["no replicas"], 5000));
      obtained.session.push(await obtainUs(instances.session, 5000));
    }
    const noReplicasUs = median(obtained.none);
    const sessionUs = median(obtained.session);
    const baselineReadUs = median(times["no replicas"]) * 1000;

    // a session's write then read: the WAL position after COMMIT, then the replay check (and wait) on the read
    const cycle = async (uw: Unitwork, cycles: number) => {
      const items = uw.repositories.create(ReadBenchItem);
      return uw.session(async () => {
        const started = performance.now();
        for (let i = 0; i < cycles; i++) {
          const row = id();
          await uw.unitOfWork.run(() => items.update(row, { value: i }));
          if ((await items.getById(row))?.value !== i) throw new Error("a session read missed its own write");
        }
        return (performance.now() - started) / cycles;
      });
    };
    const cycles = opts.quick ? 100 : 300;
    const cycleTimes = { replica: [] as number[], none: [] as number[] };
    for (let round = 0; round < (opts.quick ? 3 : 5); round++) {
      cycleTimes.none.push(await cycle(instances["no replicas"], cycles));
      cycleTimes.replica.push(await cycle(instances.session, cycles));
    }

    // reads/s of CLIENTS clients for a few seconds: all on the primary, or all on the replica
    const throughput = async (uw: Unitwork, seconds: number) => {
      const items = uw.repositories.create(ReadBenchItem);
      const until = performance.now() + seconds * 1000;
      let done = 0;
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < until) {
          await items.getById(id());
          done++;
        }
      }));
      return done / seconds;
    };
    const tput = { none: [] as number[], replica: [] as number[] };
    for (let round = 0; round < (opts.quick ? 3 : 6); round++) {
      for (const which of round % 2 ? (["replica", "none"] as const) : (["none", "replica"] as const)) {
        tput[which].push(await throughput(which === "none" ? instances["no replicas"] : instances.eventual, opts.quick ? 1 : 2));
      }
    }
    const ratios = Object.fromEntries(variants.map((v) => [v, ratioTo(v, "no replicas")])) as Record<Variant, number>;
    const cpuRatios = Object.fromEntries(variants.map((v) => [v, ratioTo(v, "no replicas", cpuTimes)])) as Record<Variant, number>;
    const rows = variants.map((variant) => ({
      benchmark: "read routing, getById outside a unit of work, 1 client",
      variant,
      msPerRead: Number(median(times[variant]).toFixed(4)),
      ratioToNoReplicas: Number(ratios[variant].toFixed(3)),
      nodeCpuMsPerRead: Number(median(cpuTimes[variant]).toFixed(4)),
      cpuRatioToNoReplicas: Number(cpuRatios[variant].toFixed(3)),
    }));
    return {
      rows,
      ratios,
      cpuRatios,
      checkRatio: ratioTo("session", "eventual"),
      obtain: { noReplicasUs, sessionUs, perReadRatio: (baselineReadUs + sessionUs - noReplicasUs) / baselineReadUs },
      cycleMs: { replica: median(cycleTimes.replica), none: median(cycleTimes.none) },
      throughput: { none: median(tput.none), replica: median(tput.replica), ratio: median(tput.replica.map((x, i) => x / tput.none[i]!)) },
    };
  } finally {
    for (const uw of opened) await uw.close().catch(() => undefined);
    await pair.stop();
  }
}

/** The lines `benchmarks/run.ts` prints. */
export function readRoutingSummary(result: ReadRoutingResult): string {
  const { ratios, cpuRatios, checkRatio, obtain, cycleMs, throughput } = result;
  return [
    `Read routing, per read (getById, 1 client, median of per-round ratios to no replicas): session ${ratios.session.toFixed(3)}× (target <= 1.05), eventual ${ratios.eventual.toFixed(3)}×, consistency "primary" ${ratios['consistency "primary"'].toFixed(3)}×; the session check alone (session / eventual, both on the replica) ${checkRatio.toFixed(3)}×`,
    `  Node CPU per read: session ${cpuRatios.session.toFixed(3)}×, eventual ${cpuRatios.eventual.toFixed(3)}×, consistency "primary" ${cpuRatios['consistency "primary"'].toFixed(3)}×`,
    `  The routing decision alone (obtain + release a read connection, no statement): ${obtain.sessionUs.toFixed(2)} µs in a session with the replica vs ${obtain.noReplicasUs.toFixed(2)} µs without replicas, i.e. ${obtain.perReadRatio.toFixed(4)}× the time of a read without replicas`,
    `Session write + read cycle: ${cycleMs.replica.toFixed(2)} ms with the replica (the commit's WAL position, the replay check) vs ${cycleMs.none.toFixed(2)} ms without`,
    `Reads/s, ${CLIENTS} clients: ${Math.round(throughput.replica)} on one replica vs ${Math.round(throughput.none)} on the primary alone (${throughput.ratio.toFixed(2)}×); both servers share this machine's cores, so a replica adds little capacity here`,
  ].join("\n");
}

if (require.main === module) {
  (async () => {
    const result = await runReadRouting({ quick: process.argv.includes("--quick") });
    console.table(result.rows);
    console.log(readRoutingSummary(result));
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
