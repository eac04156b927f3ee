/**
 * Child process of the streaming benchmark: opens one client, streams the first N rows of
 * bench_items through its streaming API and prints rows/s and this process's peak RSS, so that the
 * figure is that client's alone. Usage: peer-stream-probe.ts <database url> <peer key> <rows>
 */
import "reflect-metadata";
import { openPeer, type PeerKey } from "./peers";
import { countAllStatements, resetStatements, statements } from "./peers/statement-counter";

async function main(): Promise<void> {
  const [url, key, rowsArg] = process.argv.slice(2);
  const rows = Number(rowsArg);
  countAllStatements();
  const peer = await openPeer(key as PeerKey, { url: url!, poolMax: 2 });
  try {
    if (!peer.stream) throw new Error(`${peer.label} has no streaming API`);
    const baselineRssMb = process.memoryUsage().rss / 1048576;
    let count = 0;
    let checksum = 0;
    resetStatements();
    const start = performance.now();
    // peak RSS while streaming, sampled every 1,000 rows: the process's lifetime maximum (maxRSS) would
    // be the start-up's, when @swc/register compiles the client's TypeScript
    let peakRss = process.memoryUsage().rss;
    await peer.stream(rows, (item) => {
      if (++count % 1_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      // touch every row, as a consumer would (TypeORM's stream gives raw rows)
      const row = item as { score?: number; i_score?: number };
      checksum += row.score ?? row.i_score ?? 0;
    });
    const seconds = (performance.now() - start) / 1000;
    if (count !== rows) throw new Error(`streamed ${count} rows, expected ${rows}`);
    const peakRssMb = Math.max(peakRss, process.memoryUsage().rss) / 1048576;
    process.stdout.write(`${JSON.stringify({ rows: count, checksum, seconds, rowsPerSecond: count / seconds, peakRssMb, baselineRssMb, statements: statements() })}\n`);
  } finally {
    await peer.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
