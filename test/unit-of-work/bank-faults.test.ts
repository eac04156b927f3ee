import "reflect-metadata";
import { Client } from "pg";
import { Column, DataSource, Entity, PrimaryColumn } from "typeorm";
import {
  CommitOutcomeUnknownError,
  createUnitwork,
  dataSourceOptionsFromEnv,
  StatementTimeoutError,
  UnitworkError,
  type Unitwork,
} from "../../src";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { memoryLogger } from "../support/test-unitwork";

// A Jepsen-style bank: concurrent REPEATABLE READ transfers while backends are terminated under them,
// some statements hit a server-side statement timeout, and part of the load goes through a pool of 2.
// Money is conserved, no balance goes negative, a transfer is applied at most once and together with
// its log row, every failure is a typed UnitworkError, and no connection is left behind.

@Entity("bank_accounts")
class Account {
  @PrimaryColumn("int") id!: number;
  @Column("int") balance!: number;
}

@Entity("bank_transfers")
class TransferLog {
  @PrimaryColumn("text") id!: string;
  @Column("int") fromId!: number;
  @Column("int") toId!: number;
  @Column("int") amount!: number;
}

const ACCOUNTS = 100;
const OPENING = 1_000;
const TRANSFERS = 10_000;
const WORKERS = 32;
const TERMINATIONS = 40;
const TIMEOUT_EVERY = 500; // every 500th transfer runs into a 20 ms statement timeout: 20 of them

let db: TestDatabase;
let main: Unitwork;
let small: Unitwork;

async function open(poolMax: number, connectTimeoutMs: number): Promise<Unitwork> {
  const dataSource = new DataSource({
    ...dataSourceOptionsFromEnv({ DATABASE_URL: db.url, DB_POOL_MAX: String(poolMax), DB_CONNECT_TIMEOUT_MS: String(connectTimeoutMs) }),
    entities: [Account, TransferLog],
  });
  return createUnitwork({ dataSource, logger: memoryLogger(), analyzer: { mode: "off" } });
}

beforeAll(async () => {
  db = await createTestDatabase("bank");
  const setup = new Client({ connectionString: db.url });
  await setup.connect();
  await setup.query(`CREATE TABLE bank_accounts (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0))`);
  await setup.query(`CREATE TABLE bank_transfers (id text PRIMARY KEY, "fromId" int NOT NULL, "toId" int NOT NULL, amount int NOT NULL)`);
  await setup.query(`INSERT INTO bank_accounts SELECT g, $1 FROM generate_series(1, $2) g`, [OPENING, ACCOUNTS]);
  await setup.end();
  main = await open(10, 10_000);
  small = await open(2, 1_000);
});

afterAll(async () => {
  await main?.close();
  await small?.close();
  await db?.drop();
});

type Outcome = "applied" | "declined" | { error: unknown };

/** One transfer: read both balances, decline an overdraft, else move the money and log it. */
function transfer(uw: Unitwork, n: number): Promise<Outcome> {
  const from = 1 + ((n * 7919) % ACCOUNTS);
  const to = 1 + ((n * 104_729 + 13) % ACCOUNTS);
  const amount = 1 + (n % 50);
  return uw.unitOfWork
    .run(
      async (ctx): Promise<Outcome> => {
        const accounts = ctx.repository(Account);
        const source = await accounts.getByIdOrFail(from);
        await accounts.getByIdOrFail(to);
        if (from === to || source.balance < amount) return "declined";
        if (n % TIMEOUT_EVERY === 0) {
          await ctx.manager.query("SET LOCAL statement_timeout = '20ms'");
          await ctx.manager.query("SELECT pg_sleep(0.2)");
        }
        await ctx.manager.query("UPDATE bank_accounts SET balance = balance - $2 WHERE id = $1", [from, amount]);
        await ctx.manager.query("UPDATE bank_accounts SET balance = balance + $2 WHERE id = $1", [to, amount]);
        await ctx.manager.query(`INSERT INTO bank_transfers (id, "fromId", "toId", amount) VALUES ($1, $2, $3, $4)`, [`t${n}`, from, to, amount]);
        return "applied";
      },
      { isolation: "REPEATABLE READ", name: "transfer", retry: { attempts: 30, on: ["serialization", "deadlock", "connection"], baseDelayMs: 2, maxDelayMs: 40 } },
    )
    .catch((error: unknown) => ({ error }));
}

/** Terminates a random backend of the bank's database that is running or holding a transaction. */
async function terminateOne(admin: Client): Promise<boolean> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND state IN ('active', 'idle in transaction')
      ORDER BY random() LIMIT 1`,
    [db.name],
  );
  if (!rows[0]) return false;
  const { rows: done } = await admin.query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [rows[0].pid]);
  return done[0]?.ok === true;
}

test("money is conserved, transfers apply at most once with their log, and every failure is typed under injected faults", async () => {
  const outcomes = new Map<number, Outcome>();
  let next = 0;
  const worker = async (w: number) => {
    // a quarter of the workers share the pool of 2 (with a 1 s connect timeout)
    const uw = w % 4 === 0 ? small : main;
    for (let n = next++; n < TRANSFERS; n = next++) outcomes.set(n, await transfer(uw, n));
  };
  const admin = new Client({ connectionString: db.url });
  await admin.connect();
  let terminated = 0;
  let workersDone = false;
  const injector = (async () => {
    // spread the terminations over the run: one every few milliseconds until the quota is reached
    while (terminated < TERMINATIONS && !workersDone) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      if (next > 200 && (await terminateOne(admin))) terminated++;
    }
  })();
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  workersDone = true;
  await injector;

  const byType = new Map<string, number>();
  let applied = 0;
  let unknown = 0;
  for (const outcome of outcomes.values()) {
    if (outcome === "applied") applied++;
    if (typeof outcome !== "object") continue;
    const { error } = outcome;
    const name = error instanceof Error ? error.name : typeof error;
    byType.set(name, (byType.get(name) ?? 0) + 1);
    if (error instanceof CommitOutcomeUnknownError) unknown++;
  }
  const untyped = [...outcomes.values()].filter((o) => typeof o === "object" && !(o.error instanceof UnitworkError));

  const { rows: accounts } = await admin.query<{ id: number; balance: number }>("SELECT id, balance FROM bank_accounts ORDER BY id");
  const { rows: logged } = await admin.query<{ id: string; fromId: number; toId: number; amount: number }>(`SELECT id, "fromId", "toId", amount FROM bank_transfers`);
  const { rows: leftovers } = await admin.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
    [db.name],
  );
  await admin.end();

  const report = { transfers: outcomes.size, applied, terminated, timeouts: TRANSFERS / TIMEOUT_EVERY, failures: Object.fromEntries(byType) };
  // eslint-disable-next-line no-console
  console.log(`bank: ${JSON.stringify(report)}`);

  expect(outcomes.size).toBe(TRANSFERS);
  expect(untyped.map((o) => (o as { error: unknown }).error)).toEqual([]);
  expect(terminated).toBeGreaterThanOrEqual(30); // with the 20 timeouts: at least 50 faults injected
  expect(byType.get(StatementTimeoutError.name)).toBe(TRANSFERS / TIMEOUT_EVERY);

  // conserved, never negative
  expect(accounts.reduce((sum, a) => sum + a.balance, 0)).toBe(ACCOUNTS * OPENING);
  expect(Math.min(...accounts.map((a) => a.balance))).toBeGreaterThanOrEqual(0);
  // every balance is its opening plus the logged transfers: a transfer's updates and its log row commit together
  const expected = new Map(accounts.map((a) => [a.id, OPENING]));
  for (const t of logged) {
    expected.set(t.fromId, expected.get(t.fromId)! - t.amount);
    expected.set(t.toId, expected.get(t.toId)! + t.amount);
  }
  expect(accounts.map((a) => [a.id, a.balance])).toEqual([...expected.entries()].sort((x, y) => x[0] - y[0]));
  // reported applied ⇒ logged once (the key is unique); reported failed (outcome known) ⇒ not logged
  const loggedIds = new Set(logged.map((t) => t.id));
  for (const [n, outcome] of outcomes) {
    if (outcome === "applied") expect(loggedIds.has(`t${n}`)).toBe(true);
    else if (typeof outcome === "object" && !(outcome.error instanceof CommitOutcomeUnknownError)) expect(loggedIds.has(`t${n}`)).toBe(false);
    else if (outcome === "declined") expect(loggedIds.has(`t${n}`)).toBe(false);
  }
  expect(logged.length).toBeGreaterThanOrEqual(applied);
  expect(logged.length).toBeLessThanOrEqual(applied + unknown);

  // nothing leaked: no connection checked out of either pool, none left idle in a transaction
  for (const uw of [main, small]) {
    const pool = (uw.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    expect(pool.totalCount - pool.idleCount).toBe(0);
  }
  expect(Number(leftovers[0]!.n)).toBe(0);
}, 120_000);
