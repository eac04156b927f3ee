import type { Pool } from "pg";
import { runAdmin } from "../examples/support/throwaway-database";
import type { BulkPath } from "./bulk-paths";
import { lineChart, type Series } from "./charts";
import { peerBulkPaths, peerTpcbPaths } from "./peer-paths";
import { openPeers, PEER_KEYS, PEER_NAMES, type Peer, type PeerKey, type UnavailablePeer } from "./peers";
import { countAllStatements } from "./peers/statement-counter";
import { runReadBench } from "./read-bench";
import { readSchema } from "./read-schema";
import { fmt, pairedRatio, PEER_COLOURS, peerTable, type Measurement } from "./report";
import { runStreamBench } from "./stream-bench";
import type { TpcbPath } from "./tpcb";

export interface PeerBenchOptions {
  url: string;
  pool: Pool;
  quick: boolean;
  /** The `--only` groups. */
  only: ReadonlySet<string>;
  /** `--peers`: a subset of the clients (default: all). */
  peerKeys?: string[];
  poolMax: number;
}

/** A target of issue 15 or PERFORMANCE.md, with this run's figure. */
export interface Target {
  target: string;
  figure: string;
  met: boolean | null;
}

export interface PeerBench {
  peers: Peer[];
  unavailable: UnavailablePeer[];
  bulkPaths: BulkPath[];
  tpcbPaths: TpcbPath[];
  /** Progress-bar steps of runReads. */
  steps: number;
  /** The read paths, offset/keyset at depth and streaming, as `--only` asks. */
  runReads(onStep: (label: string) => void): Promise<Measurement[]>;
  summary(measurements: Measurement[]): { markdown: string; clients: string[]; unavailable: UnavailablePeer[]; targets: Target[]; peerTable: string };
  /** The scale curves, by file suffix. */
  charts(measurements: Measurement[], subtitle: string): Record<string, string>;
  close(): Promise<void>;
}

const DEPTHS = [1, 100, 1_000] as const;

export function peerBenchSteps(bench: PeerBench): number {
  return bench.steps;
}

/**
 * Opens every client (a client that cannot be opened here is listed with the reason, never dropped
 * silently), makes the read tables, and returns the clients' bulk and TPC-B paths for run.ts's loops
 * with the read and streaming benchmarks, the peer table, the targets and the curves.
 */
export async function runPeerBench(options: PeerBenchOptions): Promise<PeerBench> {
  const { url, pool, quick, only } = options;
  const items = quick ? 100_000 : 1_000_000;
  const reads = ["reads", "depth", "stream"].some((g) => only.has(g));
  if (reads) {
    await runAdmin(url, async (c) => {
      for (const sql of readSchema(items)) await c.query(sql);
    });
  }
  countAllStatements();
  const keys = (options.peerKeys ?? PEER_KEYS).filter((k): k is PeerKey => (PEER_KEYS as readonly string[]).includes(k));
  if (!keys.includes("raw")) keys.unshift("raw");
  const { peers, unavailable } = await openPeers(keys, { url, poolMax: options.poolMax });
  const readGroups = new Set([...(only.has("reads") ? ["getById", "page", "paginate"] : []), ...(only.has("depth") ? ["offset", "keyset"] : [])]);
  const depths = DEPTHS.filter((d) => d * 20 <= items);
  const rounds = 3;
  const streamSizes = only.has("stream") ? (quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) : [];
  const streamRounds = 3;
  const streaming = peers.filter((p) => p.stream).length;
  const steps = (readGroups.size ? (3 + depths.length * 2) * peers.length * (rounds + 1) : 0) + streamSizes.length * streamRounds * streaming;

  return {
    peers,
    unavailable,
    bulkPaths: peerBulkPaths(peers),
    tpcbPaths: peerTpcbPaths(peers),
    steps,
    async runReads(onStep) {
      const out: Measurement[] = [];
      if (readGroups.size) out.push(...(await runReadBench({ pool, peers, items, quick, rounds, depths, groups: readGroups, onStep })));
      if (streamSizes.length) out.push(...(await runStreamBench({ url, peers, sizes: streamSizes, rounds: streamRounds, onStep })));
      return out;
    },
    summary: (measurements) => summarise(measurements, peers, unavailable),
    charts: (measurements, subtitle) => peerCharts(measurements, peers.map((p) => p.key), subtitle),
    async close() {
      for (const peer of peers) await peer.close().catch(() => undefined);
    },
  };
}

/** The size of a group shown in the peer table: bulk at 100,000 rows (or the largest below), reads as measured, depth and stream at the largest. */
function tableSize(measurements: Measurement[], group: Measurement["group"]): number | undefined {
  const sizes = [...new Set(measurements.filter((m) => m.group === group).map((m) => m.size))];
  if (!sizes.length) return undefined;
  if (group === "insert" || group === "update" || group === "upsert") return Math.max(...(sizes.some((s) => s <= 100_000) ? sizes.filter((s) => s <= 100_000) : sizes));
  return Math.max(...sizes);
}

function rowsLabel(group: Measurement["group"], size: number): string {
  const n = size.toLocaleString("en-US");
  switch (group) {
    case "insert":
      return `bulk insert with ids, ${n} rows (rows/s; hand-written: COPY, no ids)`;
    case "update":
      return `bulk update, per-row values, ${n} rows (rows/s)`;
    case "upsert":
      return `bulk upsert, half existing, ${n} rows (rows/s)`;
    case "tpcb":
      return `TPC-B, ${size} workers (tx/s)`;
    case "getById":
      return `getById × ${n} (calls/s)`;
    case "page":
      return `page of 20 with its to-one relation × ${n} (calls/s)`;
    case "paginate":
      return `paginate with an exact count × ${n} (calls/s)`;
    case "offset":
      return `OFFSET page ${n} of 20 (pages/s)`;
    case "keyset":
      return `keyset page ${n} of 20 (pages/s)`;
    case "stream":
      return `streaming ${n} rows (rows/s, peak RSS)`;
  }
}

function find(measurements: Measurement[], group: Measurement["group"], size: number | undefined, peer: PeerKey): Measurement | undefined {
  return measurements.find((m) => m.group === group && m.size === size && m.peer === peer);
}

function summarise(measurements: Measurement[], peers: Peer[], unavailable: UnavailablePeer[]) {
  const clients = peers.map((p) => ({ key: p.key, name: p.label }));
  const groups = ["insert", "update", "upsert", "tpcb", "getById", "page", "paginate", "offset", "keyset", "stream"] as const;
  const rows = groups.flatMap((group) => {
    const size = tableSize(measurements, group);
    return size === undefined ? [] : [{ label: rowsLabel(group, size), group, size }];
  });
  const table = peerTable(measurements, clients, rows);
  const targets: Target[] = [];
  const ratioTarget = (target: string, m: Measurement | undefined, min: number) => {
    const r = m?.ratio;
    targets.push({ target, figure: r === undefined ? (m?.error ? `failed: ${m.error}` : "not measured") : `${fmt(r, 2)}×`, met: r === undefined ? null : r >= min });
  };
  // unitwork against the fastest ORM on every path of the table, per round where the runs pair up
  for (const row of rows) {
    const mine = find(measurements, row.group, row.size, "unitwork");
    const others = peers.filter((p) => p.key !== "raw" && p.key !== "unitwork").map((p) => find(measurements, row.group, row.size, p.key)).filter((m): m is Measurement => !!m && m.median !== null && !m.error);
    if (!others.length) continue;
    if (!mine || mine.median === null || mine.error) {
      targets.push({ target: `${row.label}: unitwork ≥ the fastest peer`, figure: mine?.note ?? mine?.error ?? "not measured", met: null });
      continue;
    }
    const fastest = others.reduce((a, b) => (b.median! > a.median! ? b : a));
    const r = pairedRatio(mine, fastest)!;
    targets.push({ target: `${row.label}: unitwork ≥ the fastest peer (${fastest.path.split(/[ :]/)[0]})`, figure: `${fmt(r, 2)}×`, met: r >= 1 });
  }
  ratioTarget("getById ≥ 0.8× hand-written pg (prepared statement)", find(measurements, "getById", tableSize(measurements, "getById"), "unitwork"), 0.8);
  ratioTarget("page of 20 with its relation ≥ 0.7× a hand-written join", find(measurements, "page", tableSize(measurements, "page"), "unitwork"), 0.7);
  const deepest = tableSize(measurements, "keyset");
  const k1 = find(measurements, "keyset", 1, "unitwork");
  const kDeep = deepest ? find(measurements, "keyset", deepest, "unitwork") : undefined;
  if (k1?.median && kDeep?.median && deepest) {
    const growth = k1.median / kDeep.median;
    targets.push({ target: `keyset page ${deepest.toLocaleString("en-US")} within 1.5× of page 1`, figure: `${fmt(growth, 2)}× the time of page 1`, met: growth <= 1.5 });
  }
  const stream = find(measurements, "stream", tableSize(measurements, "stream"), "unitwork");
  ratioTarget(`streaming ${(tableSize(measurements, "stream") ?? 0).toLocaleString("en-US")} rows ≥ 0.8× pg-query-stream`, stream, 0.8);
  if (stream) targets.push({ target: "streaming peak RSS < 150 MB", figure: stream.peakRssMb === undefined ? stream.note ?? stream.error ?? "not measured" : `${fmt(stream.peakRssMb)} MB`, met: stream.peakRssMb === undefined ? null : stream.peakRssMb < 150 });
  const bulkSize = tableSize(measurements, "insert");
  ratioTarget("bulkInsert with ids ≥ 0.8× hand-written COPY (PERFORMANCE.md)", find(measurements, "insert", bulkSize, "unitwork"), 0.8);
  ratioTarget("bulkUpdate ≥ 0.9× hand-written UPDATE … FROM unnest", find(measurements, "update", tableSize(measurements, "update"), "unitwork"), 0.9);
  ratioTarget("bulkUpsert ≥ 0.9× hand-written unnest ON CONFLICT", find(measurements, "upsert", tableSize(measurements, "upsert"), "unitwork"), 0.9);
  ratioTarget("TPC-B (analyzer off) ≥ 0.85× raw pg.Pool", find(measurements, "tpcb", tableSize(measurements, "tpcb"), "unitwork"), 0.85);

  const mark = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "**missed**");
  const markdown = [
    `\n**Clients:** ${peers.map((p) => p.label).join(", ")}${unavailable.length ? `. Not run here: ${unavailable.map((u) => `${u.name} (${u.reason})`).join("; ")}` : ""}.`,
    "\n**Peer table** (median; in brackets the median of per-round ratios to hand-written pg; bold: the fastest ORM)\n",
    table,
    "\n**Targets**\n",
    "| target | this run | |",
    "|---|---|---|",
    ...targets.map((t) => `| ${t.target} | ${t.figure} | ${mark(t.met)} |`),
  ].join("\n");
  return { markdown, clients: peers.map((p) => p.label), unavailable, targets, peerTable: table };
}

function seriesOf(measurements: Measurement[], peers: readonly PeerKey[], group: Measurement["group"], value: (m: Measurement) => number | null, dashed = false, suffix = ""): Series[] {
  return peers
    .map((key) => ({
      name: `${PEER_NAMES[key]}${suffix}`,
      colour: PEER_COLOURS[key],
      dashed,
      points: measurements.filter((m) => m.group === group && m.peer === key).map((m) => ({ x: m.size, y: m.error || m.median === null ? null : value(m) })),
    }))
    .filter((s) => s.points.some((p) => p.y !== null));
}

/** The scale curves of a run's measurements (also rebuilt from a latest.json), by file suffix. */
export function peerCharts(measurements: Measurement[], peers: readonly PeerKey[], subtitle: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (measurements.some((m) => m.group === "insert" && m.peer)) {
    out["scale-insert"] = lineChart("Bulk insert with ids against row count", `${subtitle} · hand-written: COPY without ids`, [
      { title: "rows/s", xLabel: "rows per call", yLabel: "rows/s", logX: true, series: seriesOf(measurements, peers, "insert", (m) => m.median) },
    ]);
  }
  if (measurements.some((m) => m.group === "stream" && m.runs.length)) {
    out["scale-stream"] = lineChart("Streaming against row count", subtitle, [
      { title: "rows/s", xLabel: "rows streamed", yLabel: "rows/s", logX: true, series: seriesOf(measurements, peers, "stream", (m) => m.median) },
      { title: "peak RSS of the streaming process", xLabel: "rows streamed", yLabel: "MB", logX: true, series: seriesOf(measurements, peers, "stream", (m) => m.peakRssMb ?? null) },
    ]);
  }
  if (measurements.some((m) => m.group === "keyset" || m.group === "offset")) {
    const ms = (m: Measurement) => (m.median ? 1000 / m.median : null);
    out.depth = lineChart("Cost of a page of 20 against its depth", `${subtitle} · solid: keyset, dashed: OFFSET`, [
      { title: "OFFSET: ms per page", xLabel: "page number", yLabel: "ms per page", logX: true, logY: true, series: seriesOf(measurements, peers, "offset", ms, true, " OFFSET") },
      { title: "keyset: ms per page", xLabel: "page number", yLabel: "ms per page", logX: true, logY: true, series: seriesOf(measurements, peers, "keyset", ms, false, " keyset") },
    ]);
  }
  return out;
}
