import type { BulkPath } from "./bulk-paths";
import type { Peer } from "./peers/peer";
import type { TpcbPath } from "./tpcb";

/** The bulk paths of the clients that bulk-paths.ts does not write out (MikroORM, Drizzle, Prisma). */
export function peerBulkPaths(peers: Peer[]): BulkPath[] {
  const paths: BulkPath[] = [];
  for (const peer of peers) {
    if (peer.insert) {
      const insert = peer.insert.bind(peer);
      paths.push({
        group: "insert",
        name: `${peer.label} ${peer.how.insert}`,
        peer: peer.key,
        slow: peer.slow?.insert,
        run: async (_ctx, { rows }) => {
          const ids = await insert(rows);
          if (ids !== rows.length) throw new Error(`returned ${ids} ids for ${rows.length} rows`);
        },
      });
    }
    if (peer.update) {
      const update = peer.update.bind(peer);
      paths.push({ group: "update", name: `${peer.label} ${peer.how.update}`, peer: peer.key, slow: peer.slow?.update, run: (_ctx, { rows, keys }) => update(rows, keys) });
    }
    if (peer.upsert) {
      const upsert = peer.upsert.bind(peer);
      paths.push({ group: "upsert", name: `${peer.label} ${peer.how.upsert}`, peer: peer.key, slow: peer.slow?.upsert, run: (_ctx, { rows, keys }) => upsert(rows, keys) });
    }
  }
  return paths;
}

/** The TPC-B transactions of the same clients. */
export function peerTpcbPaths(peers: Peer[]): TpcbPath[] {
  return peers.filter((p) => p.tpcb).map((peer) => ({ name: `${peer.label} ${peer.how.tpcb}`, peer: peer.key, transaction: peer.tpcb!.bind(peer) }));
}
