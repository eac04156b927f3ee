import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { accessSync, constants } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { serverUrl } from "./test-database";

/**
 * PgBouncer (Debian's `pgbouncer` package) in front of the test server, for the scale-out tests.
 * Each call starts a private instance on a free port of 127.0.0.1 (no unix socket), in transaction
 * mode, its own directory under the system temp dir; `stop()` ends it and removes the directory.
 */

/** The one line printed (and the skipped describe's title) where pgbouncer is not installed. */
export const PGBOUNCER_MISSING = "PgBouncer tests skipped: pgbouncer is not installed (Debian/Ubuntu: sudo apt-get install pgbouncer)";

/**
 * pgbouncer's path: `PGBOUNCER` when set (only there), else on the PATH or in the sbin directories a
 * non-root PATH often lacks.
 */
export function findPgBouncer(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"].filter(Boolean);
  const candidates = process.env.PGBOUNCER ? [process.env.PGBOUNCER] : dirs.map((dir) => join(dir, "pgbouncer"));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `describe` where pgbouncer is installed. Elsewhere one skipped describe titled with how to install
 * it, except on CI (`CI` set), where a missing pgbouncer fails the run: these tests must run there.
 */
export function describeWithPgBouncer(name: string, body: () => void): void {
  if (findPgBouncer()) return describe(name, body);
  if (process.env.CI) {
    describe(name, () => {
      test("pgbouncer is installed (CI must run the PgBouncer tests; .ci/run installs it with apt-get)", () => {
        throw new Error(`pgbouncer is not installed, and CI must run these tests: ${PGBOUNCER_MISSING}`);
      });
    });
    return;
  }
  describe.skip(PGBOUNCER_MISSING, () => test.skip(name, () => undefined));
}

export interface PgBouncerUser {
  name: string;
  password: string;
}

export interface PgBouncerOptions {
  /** Server connections per database and user (`default_pool_size`); small, so reuse is certain. */
  poolSize: number;
  /** Users besides the test server's own (each must exist on the server with that password). */
  users?: PgBouncerUser[];
  /** More `[pgbouncer]` settings. */
  settings?: Record<string, string | number>;
  /** Clients must use TLS (`client_tls_sslmode = require`, a self-signed certificate made with openssl). */
  tls?: boolean;
}

export interface PgBouncer {
  readonly port: number;
  /** The URL of `database` through PgBouncer, as the server's user or as `user`. */
  url(database: string, user?: PgBouncerUser): string;
  /** PgBouncer's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * Starts PgBouncer in transaction mode in front of the server of `DATABASE_URL` (every database of
 * it, `*`), clients authenticating with SCRAM against the userlist. As root (CI, containers)
 * pgbouncer refuses to run, so it runs as `nobody` through util-linux's `setpriv`, which also has the
 * kernel end it if this process dies without `stop()`.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new Error(PGBOUNCER_MISSING);
  const server = new URL(serverUrl());
  const owner: PgBouncerUser = { name: decodeURIComponent(server.username), password: decodeURIComponent(server.password) };
  const users = [owner, ...(options.users ?? [])];
  await removeOrphanDirectories();
  const dir = await mkdtemp(join(tmpdir(), "unitwork-pgbouncer-"));
  await writeFile(join(dir, "owner.pid"), String(process.pid));
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const tls: Record<string, string> = {};
  if (options.tls) {
    const [key, cert] = [join(dir, "server.key"), join(dir, "server.crt")];
    await promisify(execFile)("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"]);
    if (asRoot) await Promise.all([chmod(key, 0o644), chmod(cert, 0o644)]);
    Object.assign(tls, { client_tls_sslmode: "require", client_tls_key_file: key, client_tls_cert_file: cert });
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const settings: Record<string, string | number> = {
      listen_addr: "127.0.0.1",
      listen_port: port,
      unix_socket_dir: "",
      auth_type: "scram-sha-256",
      auth_file: join(dir, "userlist.txt"),
      pool_mode: "transaction",
      default_pool_size: options.poolSize,
      max_client_conn: 1000,
      logfile: "",
      pidfile: "",
      ...tls,
      ...options.settings,
    };
    const config = [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
      "",
    ].join("\n");
    await writeFile(join(dir, "pgbouncer.ini"), config);
    await writeFile(join(dir, "userlist.txt"), users.map((u) => `${quote(u.name)} ${quote(u.password)}`).join("\n") + "\n");
    if (asRoot) {
      // nobody must read the configuration (a private temp directory of root's)
      await chmod(dir, 0o755);
      await chmod(join(dir, "pgbouncer.ini"), 0o644);
      await chmod(join(dir, "userlist.txt"), 0o644);
    }
    // setpriv (util-linux) also makes the kernel end pgbouncer when this process dies without stop()
    // (a jest worker killed at a timeout); without setpriv (not Linux), pgbouncer runs directly.
    const ini = join(dir, "pgbouncer.ini");
    const [command, args] = asRoot
      ? ["setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--pdeathsig", "TERM", "--", binary, ini]]
      : hasSetpriv() ? ["setpriv", ["--pdeathsig", "TERM", "--", binary, ini]] : [binary, [ini]];
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - 200));
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const started = await listening(child, lines);
    if (started === "listening") {
      const killOnExit = () => child.kill("SIGKILL");
      process.once("exit", killOnExit);
      return {
        port,
        url: (database, user = owner) => `postgres://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
        log: () => lines.join("\n"),
        async stop() {
          process.removeListener("exit", killOnExit);
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGTERM");
            await exited;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    // another process took the port between freePort() and pgbouncer's bind: try another one
    if (attempt < 3 && /already in use/i.test(lines.join("\n"))) continue;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`pgbouncer did not start (${started}):\n${lines.join("\n")}`);
  }
}

/** Directories of earlier runs whose process died without `stop()` (its pgbouncer died with it). */
async function removeOrphanDirectories(): Promise<void> {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith("unitwork-pgbouncer-")) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, "owner.pid"), "utf8").catch(() => ""));
    if (owner > 0 && !alive(owner)) await rm(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function hasSetpriv(): boolean {
  return [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/bin"].some((dir) => {
    try {
      accessSync(join(dir, "setpriv"), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Resolves "listening" once pgbouncer logs that it listens, or why it did not. */
function listening(child: ChildProcess, lines: string[]): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("no 'listening' line within 10 s");
    }, 10_000);
    const check = () => {
      if (lines.some((line) => / listening on 127\.0\.0\.1:\d+/.test(line))) done("listening");
    };
    const done = (outcome: string) => {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.stderr!.off("data", check);
      child.off("exit", exited);
      child.off("error", failed);
      resolve(outcome);
    };
    const exited = (code: number | null, signal: string | null) => done(`exited with ${code ?? signal}`);
    const failed = (error: Error) => done(`could not be run: ${error.message}`);
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", exited);
    child.once("error", failed);
  });
}
