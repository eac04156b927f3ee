import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Client } from "pg";
import { DataSource, type DataSourceOptions, type EntitySchema } from "typeorm";
import { domainEntities, domainMigrations } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, type CreateUnitworkOptions, type Unitwork } from "../../src";
import { memoryLogger } from "./test-unitwork";

/**
 * A primary and a streaming replica of its own (scripts/embedded-replica.mjs, run as a child process:
 * jest's workers cannot import ES modules). Independent of DATABASE_URL. Start one per test file in
 * `beforeAll` (it takes a few seconds) and `stop()` it in `afterAll`.
 */
export interface ReplicaPair {
  primaryUrl: string;
  replicaUrl: string;
  /** `pg_wal_replay_pause()` on the replica, once it says it is paused. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the replica has replayed everything the primary wrote until now. */
  catchUp(): Promise<void>;
  /** Stops the replica's server (fast shutdown) / starts it again. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Both URLs with another database name. */
  urlsFor(database: string): { primary: string; replica: string };
  stop(): Promise<void>;
}

async function sql<R = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(__dirname, "../../scripts/embedded-replica.mjs")], { stdio: ["pipe", "pipe", "pipe"] });
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  let stderr = "";
  let buffer = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-5000)));
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) waiting.shift()?.(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`embedded replica pair exited:\n${stderr}`)));
    });
  const ready = await next();
  if (ready.event !== "ready") throw new Error(`embedded replica pair failed: ${String(ready.error)}\n${stderr}`);
  const primaryUrl = String(ready.primary);
  const replicaUrl = String(ready.replica);
  const command = async (name: string) => {
    const answer = next();
    child.stdin.write(`${name}\n`);
    const result = await answer;
    if (result.error) throw new Error(`${name}: ${String(result.error)}`);
  };
  const withDatabase = (url: string, database: string) => {
    const u = new URL(url);
    u.pathname = `/${database}`;
    return u.toString();
  };
  return {
    primaryUrl,
    replicaUrl,
    async pauseReplay() {
      await sql(replicaUrl, "SELECT pg_wal_replay_pause()");
      await waitFor("the replica's replay to pause", async () => (await sql<{ state: string }>(replicaUrl, "SELECT pg_get_wal_replay_pause_state() AS state"))[0]?.state === "paused");
    },
    async resumeReplay() {
      await sql(replicaUrl, "SELECT pg_wal_replay_resume()");
    },
    async catchUp() {
      const [{ lsn }] = await sql<{ lsn: string }>(primaryUrl, "SELECT pg_current_wal_insert_lsn()::text AS lsn");
      await waitFor(`the replica to replay up to ${lsn}`, async () => (await sql<{ done: boolean }>(replicaUrl, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [lsn]))[0]?.done === true);
    },
    stopReplica: () => command("stop-replica"),
    startReplica: () => command("start-replica"),
    urlsFor: (database) => ({ primary: withDatabase(primaryUrl, database), replica: withDatabase(replicaUrl, database) }),
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

/** The server a connection of `uw` answers from: `true` on the replica (`pg_is_in_recovery()`). */
export const IN_RECOVERY = "SELECT pg_is_in_recovery() AS replica";

/**
 * A database with the example domain on the pair's primary (it reaches the replica by streaming), and
 * a unitwork whose DataSource has TypeORM's `replication: { master, slaves }`.
 */
export async function openReplicatedUnitwork(
  pair: ReplicaPair,
  options: Partial<CreateUnitworkOptions> & { entities?: (Function | EntitySchema)[]; dataSourceOptions?: Partial<DataSourceOptions>; database?: string } = {},
): Promise<{ uw: Unitwork; logger: ReturnType<typeof memoryLogger>; database: string; close(): Promise<void> }> {
  const database = options.database ?? `uw_replica_${randomBytes(4).toString("hex")}`;
  if (!options.database) {
    await sql(pair.primaryUrl, `CREATE DATABASE "${database}"`);
    await pair.catchUp();
  }
  const urls = pair.urlsFor(database);
  const { url: _url, ...base } = dataSourceOptionsFromEnv({ DATABASE_URL: urls.primary, DB_POOL_MAX: "10", DB_CONNECT_TIMEOUT_MS: "2000" }) as unknown as Record<string, unknown>;
  const schema = options.entities ? { entities: options.entities, synchronize: true } : { entities: domainEntities, migrations: domainMigrations, migrationsRun: true, installExtensions: false };
  const dataSource = new DataSource({
    ...base,
    replication: { master: { url: urls.primary }, slaves: [{ url: urls.replica }] },
    ...schema,
    ...options.dataSourceOptions,
  } as never);
  const logger = memoryLogger();
  const { entities: _entities, dataSourceOptions: _dso, database: _database, ...unitworkOptions } = options;
  const uw = await createUnitwork({ logger, analyzer: { mode: "off" }, ...unitworkOptions, dataSource });
  // the schema reaches the replica before the first read
  if (!options.database) await pair.catchUp();
  return { uw, logger, database, close: () => uw.close() };
}
