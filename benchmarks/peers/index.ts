import type { Peer, PeerKey, PeerOptions } from "./peer";

export * from "./peer";

/** Every client of the benchmark, hand-written pg first (the baseline). */
export const PEER_KEYS: readonly PeerKey[] = ["raw", "unitwork", "typeorm", "mikroorm", "drizzle", "prisma"];

export const PEER_NAMES: Record<PeerKey, string> = {
  raw: "hand-written pg",
  unitwork: "unitwork",
  typeorm: "TypeORM",
  mikroorm: "MikroORM",
  drizzle: "Drizzle",
  prisma: "Prisma",
};

/** Opens one client; its module is loaded only now, so that a peer that is not installed fails alone. */
export async function openPeer(key: PeerKey, options: PeerOptions): Promise<Peer> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  switch (key) {
    case "raw":
      return (require("./raw-pg-peer") as typeof import("./raw-pg-peer")).openRawPeer(options);
    case "unitwork":
      return (require("./unitwork-peer") as typeof import("./unitwork-peer")).openUnitworkPeer(options);
    case "typeorm":
      return (require("./typeorm-peer") as typeof import("./typeorm-peer")).openTypeormPeer(options);
    case "mikroorm":
      return (require("./mikro-orm-peer") as typeof import("./mikro-orm-peer")).openMikroOrmPeer(options);
    case "drizzle":
      return (require("./drizzle-peer") as typeof import("./drizzle-peer")).openDrizzlePeer(options);
    case "prisma":
      return (require("./prisma-peer") as typeof import("./prisma-peer")).openPrismaPeer(options);
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** A peer that could not be opened here, and why (said in the report, never dropped silently). */
export interface UnavailablePeer {
  key: PeerKey;
  name: string;
  reason: string;
}

export async function openPeers(keys: readonly PeerKey[], options: PeerOptions): Promise<{ peers: Peer[]; unavailable: UnavailablePeer[] }> {
  const peers: Peer[] = [];
  const unavailable: UnavailablePeer[] = [];
  for (const key of keys) {
    try {
      peers.push(await openPeer(key, options));
    } catch (error) {
      unavailable.push({ key, name: PEER_NAMES[key], reason: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
    }
  }
  return { peers, unavailable };
}
