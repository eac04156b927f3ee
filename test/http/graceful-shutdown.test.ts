import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
let child: ChildProcess | undefined;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await t?.close();
});

/** Starts `examples/service/main.ts` (what `npm run example` runs) on the test database and an ephemeral port. */
async function startService(): Promise<{ url: string; output: () => string }> {
  const root = join(__dirname, "../..");
  child = spawn(process.execPath, ["-r", "@swc/register", "examples/service/main.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: t.db.url, PORT: "0", UNITWORK_LOG_LEVEL: "error", DB_POOL_MAX: "5" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start:\n${output}`)), 30_000);
    child!.stdout!.on("data", () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child!.once("exit", (code) => reject(new Error(`the service exited with ${code}:\n${output}`)));
  });
  return { url, output: () => output };
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

test("SIGTERM: in-flight requests finish and commit, new connections are refused, the process exits 0", async () => {
  const { url, output } = await startService();
  const owner = await post(`${url}/users`, { email: "shutdown@example.com" });
  const fn = await post(`${url}/functions`, { ownerUuid: owner.body.uuid, name: "drain" });
  expect(fn.status).toBe(201);
  const [{ id }] = await t.uw.dataSource.query(`SELECT id FROM functions WHERE uuid = $1`, [fn.body.uuid]);

  // The test holds the function's row lock, so the deploys below stay in flight until it lets go.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holder = t.uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query(`SELECT id FROM functions WHERE id = $1 FOR UPDATE`, [id]);
    locked();
    await released;
  });
  await lockTaken;
  const inFlight = Array.from({ length: 4 }, (_, i) => post(`${url}/functions/${fn.body.uuid}/deployments`, { imageTag: `drain:${i}` }));
  const waitingOnLock = async () =>
    Number((await t.uw.dataSource.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n);
  while ((await waitingOnLock()) < 4) await new Promise((resolve) => setTimeout(resolve, 10));

  const exited = once(child!, "exit");
  child!.kill("SIGTERM");
  while (!output().includes("SIGTERM: closing")) await new Promise((resolve) => setTimeout(resolve, 10));
  await expect(fetch(`${url}/health`)).rejects.toThrow();
  expect(child!.exitCode).toBeNull(); // still draining
  release();
  await holder;

  const responses = await Promise.all(inFlight);
  expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
  const [code] = await exited;
  expect(code).toBe(0);
  expect(output()).toContain("stopped");

  const rows: { version: number; is_active: boolean }[] = await t.uw.dataSource.query(
    `SELECT version, is_active FROM function_deployments WHERE function_id = $1 ORDER BY version`, [id]);
  expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
  expect(rows.filter((r) => r.is_active).map((r) => r.version)).toEqual([4]);
});
