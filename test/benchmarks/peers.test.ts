/**
 * The benchmark's clients must not rot: every peer (hand-written pg, unitwork, TypeORM, MikroORM,
 * Drizzle, Prisma) opens here, answers each read path with the same rows as hand-written pg, streams
 * where it has a streaming API, does its bulk and TPC-B work, and sends the statements the path needs.
 * Tiny data; no timing (speed is `npm run bench`).
 */
import { isDeepStrictEqual } from "node:util";
import { Pool } from "pg";
import { BENCH_SCHEMA } from "../../benchmarks/bench-schema";
import { prepareInput, verify } from "../../benchmarks/bulk-paths";
import { lineChart } from "../../benchmarks/charts";
import { openPeers, PEER_KEYS, type Peer } from "../../benchmarks/peers";
import { countAllStatements, resetStatements, statements } from "../../benchmarks/peers/statement-counter";
import { computeRatios, peerTable, type Measurement } from "../../benchmarks/report";
import { readSchema } from "../../benchmarks/read-schema";
import { transfer } from "../../benchmarks/tpcb";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const ITEMS = 3_000;
let db: TestDatabase;
let pool: Pool;
let peers: Peer[];
let raw: Peer;

beforeAll(async () => {
  db = await createTestDatabase("bench_peers");
  for (const sql of [...BENCH_SCHEMA, ...readSchema(ITEMS)]) await db.query(sql);
  countAllStatements();
  pool = new Pool({ connectionString: db.url, max: 2 });
  const opened = await openPeers(PEER_KEYS, { url: db.url, poolMax: 2 });
  expect(opened.unavailable).toEqual([]);
  peers = opened.peers;
  raw = peers.find((p) => p.key === "raw")!;
}, 120_000);

afterAll(async () => {
  for (const peer of peers ?? []) await peer.close();
  await pool?.end();
  await db?.drop();
});

const canon = (peer: Peer, items: unknown[]) => items.map((item) => peer.canon(item));

async function sameAsRaw(peer: Peer, call: (p: Peer) => Promise<unknown[]>): Promise<number> {
  const expected = canon(raw, await call(raw));
  resetStatements();
  const got = canon(peer, await call(peer));
  const sent = statements().data;
  expect(isDeepStrictEqual(got, expected) ? "same rows" : { got: got.slice(0, 2), expected: expected.slice(0, 2) }).toBe("same rows");
  return sent;
}

test("all six clients open, and each read path returns hand-written pg's rows with at least one statement a call", async () => {
  expect(peers.map((p) => p.key)).toEqual(["raw", "unitwork", "typeorm", "mikroorm", "drizzle", "prisma"]);
  const { rows } = await pool.query(`SELECT id, created_at AS "createdAt" FROM bench_items ORDER BY created_at DESC, id DESC OFFSET 39 LIMIT 1`);
  for (const peer of peers) {
    expect(await sameAsRaw(peer, async (p) => [await p.getById(42)])).toBeGreaterThanOrEqual(1);
    expect(await sameAsRaw(peer, (p) => p.page("open"))).toBeGreaterThanOrEqual(1);
    const paginated = await peer.paginate(7, 1);
    expect(paginated.total).toBe(3);
    expect(canon(peer, paginated.items)).toEqual(canon(raw, (await raw.paginate(7, 1)).items));
    expect(paginated.items.every((item) => peer.canon(item).author?.id === 7)).toBe(true);
    expect(await sameAsRaw(peer, (p) => p.offsetPage(3))).toBeGreaterThanOrEqual(1);
    const cursor = await peer.keysetCursor(rows[0], 40);
    const rawCursor = await raw.keysetCursor(rows[0], 40);
    const keyset = canon(peer, await peer.keysetPage(cursor));
    expect(keyset).toEqual(canon(raw, await raw.keysetPage(rawCursor)));
    expect(keyset).toEqual(canon(raw, await raw.offsetPage(3)));
    expect(canon(peer, await peer.keysetPage(await peer.keysetCursor(null, 0)))).toEqual(canon(raw, await raw.offsetPage(1)));
  }
}, 60_000);

test("each client with a streaming API streams the same rows, in key order", async () => {
  const streamed = async (peer: Peer) => {
    const out: number[] = [];
    await peer.stream!(500, (item) => out.push(peer.canon(item).id));
    return out;
  };
  const expected = await streamed(raw);
  expect(expected).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  const streaming = peers.filter((p) => p.stream);
  expect(streaming.map((p) => p.key)).toEqual(expect.arrayContaining(["raw", "unitwork", "typeorm"]));
  for (const peer of streaming) expect(await streamed(peer)).toEqual(expected);
  // said, not dropped: the clients without one have no "stream" in their description
  for (const peer of peers.filter((p) => !p.stream)) expect(peer.how.stream).toBeUndefined();
});

test("the bulk and TPC-B paths of MikroORM, Drizzle and Prisma do all their work", async () => {
  for (const peer of peers.filter((p) => p.insert)) {
    const insert = await prepareInput(pool, "insert", 120, 1);
    expect(await peer.insert!(insert.rows)).toBe(120);
    await verify(pool, "insert", 120, insert);
    const update = await prepareInput(pool, "update", 120, 2);
    await peer.update!(update.rows, update.keys);
    await verify(pool, "update", 120, update);
    const upsert = await prepareInput(pool, "upsert", 120, 3);
    await peer.upsert!(upsert.rows, upsert.keys);
    await verify(pool, "upsert", 120, upsert);
    resetStatements();
    await peer.tpcb!(transfer());
    expect({ peer: peer.key, data: statements().data }).toEqual({ peer: peer.key, data: 5 });
  }
  expect(peers.filter((p) => p.insert).map((p) => p.key)).toEqual(["mikroorm", "drizzle", "prisma"]);
}, 60_000);

test("the report's peer table and curves come out of measurements", () => {
  const m = (peer: "raw" | "unitwork", size: number, runs: number[]): Measurement => ({ group: "stream", path: peer, size, runs, median: null, peer, baseline: peer === "raw" });
  const measurements = [m("raw", 10, [100, 200]), m("unitwork", 10, [90, 220]), m("raw", 100, [100, 100]), m("unitwork", 100, [50, 60])];
  computeRatios(measurements);
  expect(measurements[1]!.ratio).toBeCloseTo((0.9 + 1.1) / 2);
  const table = peerTable(measurements, [{ key: "raw", name: "pg" }, { key: "unitwork", name: "unitwork" }], [{ label: "stream 100", group: "stream", size: 100 }]);
  expect(table.split("\n")[2]).toBe("| stream 100 | 100 | **55 (0.55×)** |");
  const svg = lineChart("t", "s", [{ title: "p", xLabel: "x", yLabel: "y", logX: true, series: [{ name: "a", colour: "#000", points: [{ x: 10, y: 1 }, { x: 100, y: null }, { x: 1000, y: 3 }] }] }]);
  expect(svg).toMatch(/^<svg[^]*<path d="M[^"]+"[^]*<\/svg>$/);
});
