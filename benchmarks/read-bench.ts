import { isDeepStrictEqual } from "node:util";
import type { Pool } from "pg";
import type { KeysetPosition, Peer } from "./peers/peer";
import { resetStatements, statements } from "./peers/statement-counter";
import { AUTHORS, PAGE_SIZE, STATUSES } from "./read-schema";
import type { Measurement, ReadGroup } from "./report";

/** One read path at one size: `call(peer, i)` is the i-th timed call. */
interface ReadPath {
  group: Exclude<ReadGroup, "stream">;
  /** Calls per run (getById, page, paginate) or the page number (offset, keyset). */
  size: number;
  calls: number;
  /** Untimed, once per peer before the runs (keyset: the peer's cursor). */
  prepare?(peer: Peer): Promise<unknown>;
  call(peer: Peer, i: number, prepared: unknown): Promise<unknown>;
  /** Data statements one call must send at least. */
  minStatements: number;
}

export interface ReadBenchOptions {
  pool: Pool;
  peers: Peer[];
  /** Rows in bench_items. */
  items: number;
  quick: boolean;
  rounds: number;
  depths: readonly number[];
  /** Only these groups. */
  groups: ReadonlySet<string>;
  onStep?(label: string): void;
}

function canonOf(peer: Peer, result: unknown): unknown {
  if (result === null || result === undefined) return null;
  if (Array.isArray(result)) return result.map((item) => peer.canon(item));
  if (typeof result === "object" && "items" in (result as object)) {
    const { items, total } = result as { items: unknown[]; total: number };
    return { total, items: items.map((item) => peer.canon(item)) };
  }
  return peer.canon(result);
}

/** The rows after which keyset page `page` starts (untimed, in SQL). */
async function positionBefore(pool: Pool, page: number): Promise<KeysetPosition | null> {
  if (page === 1) return null;
  const { rows } = await pool.query(`SELECT id, created_at AS "createdAt" FROM bench_items ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`, [(page - 1) * PAGE_SIZE - 1]);
  return rows[0] as KeysetPosition;
}

export function readPaths(options: Pick<ReadBenchOptions, "pool" | "items" | "quick" | "depths" | "groups">): ReadPath[] {
  const { pool, items, quick, depths, groups } = options;
  const getByIdCalls = quick ? 2_000 : 10_000;
  const pageCalls = quick ? 500 : 2_000;
  const paginateCalls = quick ? 300 : 1_000;
  const depthCalls = quick ? 40 : 150;
  // a spread of keys over the whole table, the same sequence for every client
  const idOf = (i: number) => 1 + ((i * 7_919 + 13) % items);
  const pagesPerAuthor = Math.max(1, Math.min(5, Math.floor(items / AUTHORS / PAGE_SIZE)));
  const paths: ReadPath[] = [
    { group: "getById", size: getByIdCalls, calls: getByIdCalls, minStatements: 1, call: (peer, i) => peer.getById(idOf(i)) },
    { group: "page", size: pageCalls, calls: pageCalls, minStatements: 1, call: (peer, i) => peer.page(STATUSES[i % STATUSES.length]!) },
    {
      group: "paginate",
      size: paginateCalls,
      calls: paginateCalls,
      minStatements: 1,
      call: (peer, i) => peer.paginate(1 + ((i * 37) % AUTHORS), 1 + (i % pagesPerAuthor)),
    },
  ];
  for (const depth of depths) {
    paths.push({ group: "offset", size: depth, calls: depthCalls, minStatements: 1, call: (peer) => peer.offsetPage(depth) });
    paths.push({
      group: "keyset",
      size: depth,
      calls: depthCalls,
      minStatements: 1,
      prepare: async (peer) => peer.keysetCursor(await positionBefore(pool, depth), (depth - 1) * PAGE_SIZE),
      call: (peer, _i, cursor) => peer.keysetPage(cursor),
    });
  }
  return paths.filter((p) => groups.has(p.group));
}

/**
 * Every read path for every client: first an untimed check (each client's rows equal hand-written
 * pg's, and it sends at least the statements the path needs: no answer from a cache), then a warm-up,
 * then `rounds` interleaved rounds, each timing every client once, starting at a different one.
 */
export async function runReadBench(options: ReadBenchOptions): Promise<Measurement[]> {
  const { peers, rounds } = options;
  const raw = peers.find((p) => p.key === "raw");
  if (!raw) throw new Error("the read benchmark needs the hand-written pg baseline");
  const measurements: Measurement[] = [];
  for (const path of readPaths(options)) {
    const byPeer = new Map<Peer, { m: Measurement; prepared: unknown }>();
    for (const peer of peers) {
      const m: Measurement = { group: path.group, path: `${peer.label}: ${peer.how[path.group] ?? "–"}`, size: path.size, runs: [], median: null, peer: peer.key, baseline: peer === raw };
      measurements.push(m);
      options.onStep?.(`check ${path.group} ${path.size}: ${peer.label}`);
      let prepared: unknown;
      try {
        prepared = await path.prepare?.(peer);
        const rawPrepared = peer === raw ? prepared : await path.prepare?.(raw);
        const samples = [0, 1, 2];
        resetStatements();
        const got = [];
        for (const i of samples) got.push(canonOf(peer, await path.call(peer, i, prepared)));
        const sent = statements();
        m.statements = { data: sent.data / samples.length, control: sent.control / samples.length };
        if (sent.data < path.minStatements * samples.length) throw new Error(`sent ${sent.data} statements for ${samples.length} calls: less work than the path needs`);
        for (const i of samples) {
          const expected = canonOf(raw, await path.call(raw, i, rawPrepared));
          if (!isDeepStrictEqual(got[i], expected)) throw new Error(`call ${i} returned other rows than hand-written pg: ${JSON.stringify(got[i]).slice(0, 160)} ≠ ${JSON.stringify(expected).slice(0, 160)}`);
        }
        for (let i = 0; i < Math.min(200, path.calls); i++) await path.call(peer, i, prepared); // warm-up
      } catch (error) {
        m.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      }
      byPeer.set(peer, { m, prepared });
    }
    for (let round = 0; round < rounds; round++) {
      const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
      for (const peer of order) {
        const { m, prepared } = byPeer.get(peer)!;
        if (m.error) continue;
        options.onStep?.(`${path.group} ${path.size}, round ${round + 1}: ${peer.label}`);
        const start = performance.now();
        try {
          for (let i = 0; i < path.calls; i++) await path.call(peer, i, prepared);
        } catch (error) {
          m.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
          continue;
        }
        m.runs.push(path.calls / ((performance.now() - start) / 1000));
      }
    }
  }
  return measurements;
}
