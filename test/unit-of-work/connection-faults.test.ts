import "reflect-metadata";
import { Client } from "pg";
import { CommitOutcomeUnknownError, ConnectionLostError, InvalidConfigError, type UnitOfWorkContext } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

// A backend terminated under a unit of work: before COMMIT was sent the failure is a
// ConnectionLostError (and retryable on request); while COMMIT is on its way the outcome is unknown.
let t: TestUnitwork;
let admin: Client;
beforeAll(async () => {
  t = await openTestUnitwork();
  admin = new Client({ connectionString: t.db.url });
  await admin.connect();
  await admin.query("CREATE TABLE fault_notes (id serial PRIMARY KEY, note text NOT NULL)");
  // A deferred constraint trigger runs at COMMIT: one that sleeps holds COMMIT open long enough to
  // terminate the backend while it is on its way.
  await admin.query(`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.note = 'slow commit' THEN PERFORM pg_sleep(2); END IF; RETURN NULL; END $$`);
  await admin.query(`CREATE CONSTRAINT TRIGGER fault_notes_slow_commit AFTER INSERT ON fault_notes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()`);
});
afterAll(async () => {
  await admin?.end();
  await t?.close();
});
beforeEach(() => admin.query("TRUNCATE fault_notes"));

const notes = async () => (await admin.query<{ note: string }>("SELECT note FROM fault_notes ORDER BY id")).rows.map((r) => r.note);
const backendOf = async (ctx: UnitOfWorkContext) => ((await ctx.manager.query("SELECT pg_backend_pid() AS pid")) as { pid: number }[])[0]!.pid;
const terminate = (pid: number) => admin.query("SELECT pg_terminate_backend($1)", [pid]);

test("a connection killed before COMMIT is a ConnectionLostError, and nothing is committed", async () => {
  const failed = await t.uw.unitOfWork
    .run(async (ctx) => {
      await ctx.manager.query("INSERT INTO fault_notes (note) VALUES ('lost')");
      await terminate(await backendOf(ctx));
      await ctx.manager.query("INSERT INTO fault_notes (note) VALUES ('after the kill')");
    })
    .catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(ConnectionLostError);
  expect(await notes()).toEqual([]);
  // the pool is usable again, and holds no broken connection
  await expect(t.uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1"))).resolves.toEqual([{ "?column?": 1 }]);
});

test('retry: { on: ["connection"] } re-runs a unit whose connection was lost before COMMIT', async () => {
  let attempts = 0;
  await t.uw.unitOfWork.run(
    async (ctx) => {
      attempts++;
      await ctx.manager.query("INSERT INTO fault_notes (note) VALUES ($1)", [`attempt ${attempts}`]);
      if (attempts === 1) await terminate(await backendOf(ctx));
      await ctx.manager.query("SELECT 1");
    },
    { retry: { attempts: 3, on: ["connection"], baseDelayMs: 1 } },
  );
  expect(attempts).toBe(2);
  expect(await notes()).toEqual(["attempt 2"]);
});

test("without connection in retry.on, a lost connection is not retried", async () => {
  let attempts = 0;
  const failed = await t.uw.unitOfWork
    .run(
      async (ctx) => {
        attempts++;
        await terminate(await backendOf(ctx));
        await ctx.manager.query("SELECT 1");
      },
      { retry: { attempts: 3, baseDelayMs: 1 } },
    )
    .catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(ConnectionLostError);
  expect(attempts).toBe(1);
});

test("a connection killed while COMMIT is on its way is a CommitOutcomeUnknownError, never retried", async () => {
  let attempts = 0;
  const failed = await t.uw.unitOfWork
    .run(
      async (ctx) => {
        attempts++;
        const pid = await backendOf(ctx);
        await ctx.manager.query("INSERT INTO fault_notes (note) VALUES ('slow commit')");
        // COMMIT runs the deferred trigger, which sleeps 2 s: terminate the backend meanwhile
        setTimeout(() => void terminate(pid), 500);
      },
      { retry: { attempts: 3, on: ["serialization", "deadlock", "connection"], baseDelayMs: 1 } },
    )
    .catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(CommitOutcomeUnknownError);
  expect((failed as Error).cause).toBeInstanceOf(ConnectionLostError);
  expect(attempts).toBe(1);
  expect(await notes()).toEqual([]); // here the server rolled back; the caller could not know that
});

test("retry.on takes only known conditions", async () => {
  await expect(t.uw.unitOfWork.run(async () => 1, { retry: { attempts: 2, on: ["network" as never] } })).rejects.toBeInstanceOf(InvalidConfigError);
});

test("a pooled connection keeps one late-error listener however many units of work used it", async () => {
  type Listening = { listenerCount(event: string): number };
  const connectionOf = (ctx: UnitOfWorkContext) => (ctx.manager.queryRunner as unknown as { databaseConnection: Listening }).databaseConnection;
  const counts: number[] = [];
  for (let i = 0; i < 12; i++) {
    await t.uw.unitOfWork.run(async (ctx) => {
      await ctx.manager.query("SELECT 1");
      counts.push(connectionOf(ctx).listenerCount("error"));
    });
  }
  // the pool hands out its few connections in turn: each shows the same count on every use
  expect(Math.max(...counts)).toBe(Math.min(...counts));
  expect(counts[0]).toBeGreaterThan(0);
});
