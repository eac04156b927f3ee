import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Peer } from "./peers/peer";
import type { Measurement } from "./report";

export interface StreamBenchOptions {
  url: string;
  peers: Peer[];
  sizes: readonly number[];
  rounds: number;
  onStep?(label: string): void;
}

interface ProbeResult {
  rows: number;
  checksum: number;
  rowsPerSecond: number;
  peakRssMb: number;
  baselineRssMb: number;
  statements: { data: number; control: number };
}

/** Runs one client's stream of `rows` rows in a child process (its peak RSS is the stream's alone). */
async function probe(url: string, key: string, rows: number): Promise<ProbeResult> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["-r", "@swc/register", join(__dirname, "peer-stream-probe.ts"), url, key, String(rows)], {
      cwd: join(__dirname, ".."),
      maxBuffer: 1 << 20,
      timeout: 600_000,
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as ProbeResult;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(stderr ? stderr.split("\n").pop()! : error instanceof Error ? error.message : String(error));
  }
}

/**
 * Streaming at each size: every client with a streaming API, one child process per run, interleaved
 * (each round visits every client, starting at a different one). Each client's rows are checked
 * against hand-written pg's (count and a checksum of a column), and its peak RSS is the median over
 * the runs. A client without a streaming API gets a row saying so.
 */
export async function runStreamBench({ url, peers, sizes, rounds, onStep }: StreamBenchOptions): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (const size of sizes) {
    const rss: Map<Measurement, number[]> = new Map();
    const checksums = new Map<Measurement, number>();
    const bySize = peers.map((peer) => {
      const m: Measurement = { group: "stream", path: `${peer.label}: ${peer.how.stream ?? "no streaming API"}`, size, runs: [], median: null, peer: peer.key, baseline: peer.key === "raw" };
      if (!peer.stream) m.note = peer.key === "unitwork" ? "unitwork stream: not available on this commit" : "no streaming API";
      measurements.push(m);
      rss.set(m, []);
      return { peer, m };
    });
    const streaming = bySize.filter(({ peer }) => peer.stream);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < streaming.length; i++) {
        const { peer, m } = streaming[(i + round) % streaming.length]!;
        if (m.error) continue;
        onStep?.(`stream ${size.toLocaleString("en-US")} rows, round ${round + 1}: ${peer.label}`);
        try {
          const result = await probe(url, peer.key, size);
          m.runs.push(result.rowsPerSecond);
          rss.get(m)!.push(result.peakRssMb);
          m.baselineRssMb = result.baselineRssMb;
          m.statements = result.statements;
          checksums.set(m, result.checksum);
        } catch (error) {
          m.error = error instanceof Error ? error.message : String(error);
        }
      }
    }
    const expected = [...checksums.entries()].find(([m]) => m.baseline)?.[1];
    for (const [m, values] of rss) {
      if (values.length) m.peakRssMb = [...values].sort((a, b) => a - b)[values.length >> 1];
      if (expected !== undefined && checksums.has(m) && checksums.get(m) !== expected) m.error = "streamed other rows than hand-written pg (checksum differs)";
    }
  }
  return measurements;
}
