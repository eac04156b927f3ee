import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import { AsyncBaseRepository, type Unitwork } from "../src";
import { Account, ACCOUNTS, Branch, History, TELLERS, Teller } from "./bench-schema";
import { inTransaction } from "./bulk-paths";
import type { PeerKey } from "./peers/peer";

/** A repository with the one domain statement TPC-B needs that a generic repository lacks: add to a balance. */
export class AccountRepository extends AsyncBaseRepository<Account> {
  /** `UPDATE … SET abalance = abalance + $2`, through the repository's single execute() path. */
  addToBalance(aid: number, delta: number): Promise<unknown> {
    const manager = this.manager(true);
    return this.execute(() => manager.query("UPDATE bench_accounts SET abalance = abalance + $2 WHERE aid = $1", [aid, delta]));
  }

  /** The balance after the update (the TPC-B SELECT). */
  async balance(aid: number): Promise<number> {
    const manager = this.manager(false);
    const rows = await this.execute(() => manager.query("SELECT abalance FROM bench_accounts WHERE aid = $1", [aid]));
    return rows[0].abalance;
  }
}

export class TellerRepository extends AsyncBaseRepository<Teller> {
  addToBalance(tid: number, delta: number): Promise<unknown> {
    const manager = this.manager(true);
    return this.execute(() => manager.query("UPDATE bench_tellers SET tbalance = tbalance + $2 WHERE tid = $1", [tid, delta]));
  }
}

export class BranchRepository extends AsyncBaseRepository<Branch> {
  addToBalance(bid: number, delta: number): Promise<unknown> {
    const manager = this.manager(true);
    return this.execute(() => manager.query("UPDATE bench_branches SET bbalance = bbalance + $2 WHERE bid = $1", [bid, delta]));
  }
}

export class HistoryRepository extends AsyncBaseRepository<History> {
  record(tid: number, bid: number, aid: number, delta: number): Promise<unknown> {
    const manager = this.manager(true);
    return this.execute(() => manager.query("INSERT INTO bench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", [tid, bid, aid, delta]));
  }
}

export function registerTpcbRepositories(uw: Unitwork): void {
  uw.repositories.register(Account, AccountRepository).register(Teller, TellerRepository).register(Branch, BranchRepository).register(History, HistoryRepository);
}

export interface Transfer {
  aid: number;
  tid: number;
  bid: number;
  delta: number;
}

export function transfer(): Transfer {
  return {
    aid: 1 + Math.floor(Math.random() * ACCOUNTS),
    tid: 1 + Math.floor(Math.random() * TELLERS),
    bid: 1,
    delta: Math.floor(Math.random() * 10_001) - 5_000,
  };
}

export interface TpcbPath {
  name: string;
  baseline?: boolean;
  /** The client this path is the headline of in the peer table. */
  peer?: PeerKey;
  /** One TPC-B transaction. */
  transaction(t: Transfer): Promise<void>;
}

export function tpcbPaths(pool: Pool, dataSource: DataSource, uw: Unitwork, uwNoAnalyzer: Unitwork): TpcbPath[] {
  const viaUnitwork = (u: Unitwork) => (t: Transfer) =>
    u.unitOfWork.run(async (ctx) => {
      const accounts = ctx.repository(AccountRepository);
      await accounts.addToBalance(t.aid, t.delta);
      await accounts.balance(t.aid);
      await ctx.repository(TellerRepository).addToBalance(t.tid, t.delta);
      await ctx.repository(BranchRepository).addToBalance(t.bid, t.delta);
      await ctx.repository(HistoryRepository).record(t.tid, t.bid, t.aid, t.delta);
    });
  return [
    {
      name: "raw pg Pool",
      baseline: true,
      peer: "raw",
      transaction: (t) =>
        inTransaction(pool, async (c) => {
          await c.query("UPDATE bench_accounts SET abalance = abalance + $2 WHERE aid = $1", [t.aid, t.delta]);
          await c.query("SELECT abalance FROM bench_accounts WHERE aid = $1", [t.aid]);
          await c.query("UPDATE bench_tellers SET tbalance = tbalance + $2 WHERE tid = $1", [t.tid, t.delta]);
          await c.query("UPDATE bench_branches SET bbalance = bbalance + $2 WHERE bid = $1", [t.bid, t.delta]);
          await c.query("INSERT INTO bench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", [t.tid, t.bid, t.aid, t.delta]);
        }),
    },
    {
      name: "TypeORM dataSource.transaction",
      peer: "typeorm",
      transaction: (t) =>
        dataSource.transaction(async (m) => {
          await m.query("UPDATE bench_accounts SET abalance = abalance + $2 WHERE aid = $1", [t.aid, t.delta]);
          await m.query("SELECT abalance FROM bench_accounts WHERE aid = $1", [t.aid]);
          await m.query("UPDATE bench_tellers SET tbalance = tbalance + $2 WHERE tid = $1", [t.tid, t.delta]);
          await m.query("UPDATE bench_branches SET bbalance = bbalance + $2 WHERE bid = $1", [t.bid, t.delta]);
          await m.query("INSERT INTO bench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", [t.tid, t.bid, t.aid, t.delta]);
        }),
    },
    { name: "unitwork UnitOfWork + repositories (analyzer log mode, the default outside production)", transaction: viaUnitwork(uw) },
    { name: "unitwork UnitOfWork + repositories (analyzer off, the production default)", peer: "unitwork", transaction: viaUnitwork(uwNoAnalyzer) },
  ];
}

/** Runs `path` with `workers` concurrent clients for `seconds`; returns transactions per second (and counts them into `stats`). */
export async function runTpcb(path: TpcbPath, workers: number, seconds: number, stats?: { transactions: number }): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        await path.transaction(transfer());
        done++;
        if (stats) stats.transactions++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}
