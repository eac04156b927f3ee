/**
 * Read replicas against a live streaming replica (a primary and a hot standby of its own, started in
 * beforeAll). Lag is made on purpose with pg_wal_replay_pause(): the replica then keeps the rows it had,
 * so a read that finds a fresh row ran on the primary (or on a replica that has replayed it), and one
 * that misses it ran on the replica.
 */
import Router from "@koa/router";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { domainEntities, User } from "../../examples/domain";
import { createUnitwork, reply, UnitOfWorkTimeoutError, type ConsistencyTokenCarrier, type Unitwork } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { fastifyErrorHandler, fastifyHandler } from "../../src/http/fastify";
import { koaErrorHandler, koaHandler, koaUnitOfWork } from "../../src/http/koa";
import { startTestServer } from "../http/http-test-server";
import { IN_RECOVERY, openReplicatedUnitwork, startReplicaPair, type ReplicaPair } from "../support/replica-pair";
import type { memoryLogger } from "../support/test-unitwork";
import { Client } from "pg";

let pair: ReplicaPair;
let uw: Unitwork;
let logger: ReturnType<typeof memoryLogger>;
let database: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pair = await startReplicaPair();
  const opened = await openReplicatedUnitwork(pair, { replicas: { waitMs: 50 } });
  ({ uw, logger, database } = opened);
  closers.push(opened.close);
}, 180_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await pair?.stop();
}, 60_000);

/** Another unitwork on the same database (other replica options). */
async function another(options: Parameters<typeof openReplicatedUnitwork>[1]): Promise<Unitwork> {
  const opened = await openReplicatedUnitwork(pair, { database, ...options });
  closers.push(opened.close);
  return opened.uw;
}

const users = () => uw.repositories.create(User);
let emails = 0;
const email = () => `reader${++emails}@example.com`;

/** Where a plain TypeORM select outside any unit of work runs: `true` on the replica. */
async function selectRunsOnReplica(on: Unitwork = uw): Promise<boolean> {
  const row = await on.dataSource.createQueryBuilder().select("pg_is_in_recovery()", "replica").fromDummy().getRawOne<{ replica: boolean }>();
  return row!.replica;
}

async function replicaQuery<R>(text: string): Promise<R[]> {
  const client = new Client({ connectionString: pair.urlsFor(database).replica });
  await client.connect();
  try {
    return (await client.query(text)).rows as R[];
  } finally {
    await client.end();
  }
}

describe("routing", () => {
  test("a readOnly unit of work runs on the replica; a read-write one on the primary", async () => {
    const readOnly = await uw.unitOfWork.run(async (ctx) => ({ replica: ctx.replica, rows: await ctx.manager.query(IN_RECOVERY) }), { readOnly: true });
    expect(readOnly).toEqual({ replica: true, rows: [{ replica: true }] });
    const readWrite = await uw.unitOfWork.run(async (ctx) => ({ replica: ctx.replica, rows: await ctx.manager.query(IN_RECOVERY) }));
    expect(readWrite).toEqual({ replica: false, rows: [{ replica: false }] });
  });

  test("reads outside any unit of work (repositories and plain TypeORM) go to the replica", async () => {
    expect(await selectRunsOnReplica()).toBe(true);
    const created = await uw.unitOfWork.run(() => users().create({ email: email() }));
    await pair.catchUp();
    expect(await users().getById(created.id)).toMatchObject({ email: created.email });
    expect(await uw.dataSource.getRepository(User).findOneBy({ id: created.id })).toMatchObject({ email: created.email });
  });

  test("a SERIALIZABLE read-only unit stays on the primary (a hot standby cannot run one)", async () => {
    const replica = await uw.unitOfWork.run(async (ctx) => (await ctx.manager.query(IN_RECOVERY))[0].replica, { readOnly: true, isolation: "SERIALIZABLE" });
    expect(replica).toBe(false);
  });

  test("the analyzer's report says which server ran each statement", async () => {
    await uw.analyzer.configure({ mode: "log" });
    try {
      const { report } = await uw.analyzer.scope("servers", async () => {
        await uw.unitOfWork.run(() => users().count(), { readOnly: true });
        await uw.unitOfWork.run(() => users().create({ email: email() }));
      });
      const servers = report.queries.map((q) => [q.sql.split(" ")[0], q.server]);
      expect(servers).toEqual([
        ["SELECT", "replica-1"],
        ["INSERT", "primary"],
      ]);
    } finally {
      uw.analyzer.configure({ mode: "off" });
    }
  });

  test("a deadline cancels the statement on the replica it runs on", async () => {
    // a cancel sent to the primary would leave the sleep running: the ROLLBACK would wait for it past the test's timeout
    await expect(uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(600)"), { readOnly: true, timeoutMs: 300 })).rejects.toBeInstanceOf(UnitOfWorkTimeoutError);
    const sleeping = await replicaQuery<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(600)' AND state = 'active'");
    expect(sleeping[0]!.count).toBe("0");
  });
});

describe("read-your-writes while the replica's replay is paused", () => {
  beforeAll(() => pair.pauseReplay());
  afterAll(() => pair.resumeReplay());

  test("a session reads its own commit everywhere, while a read outside it really runs on the (stale) replica", async () => {
    const user = await uw.session(async () => {
      const created = await uw.unitOfWork.run(() => users().create({ email: email() }));
      // a readOnly unit of work: it waits waitMs for the replica, then runs on the primary
      const inUnit = await uw.unitOfWork.run(async (ctx) => ({ replica: ctx.replica, found: await ctx.repository(User).getById(created.id) }), { readOnly: true });
      expect(inUnit.replica).toBe(false);
      expect(inUnit.found?.email).toBe(created.email);
      // a plain repository read, and plain TypeORM, outside any unit of work
      expect((await users().getById(created.id))?.email).toBe(created.email);
      expect((await uw.dataSource.getRepository(User).findOneBy({ id: created.id }))?.email).toBe(created.email);
      return created;
    });
    // outside the session: the replica, which has not replayed the insert
    expect(await users().getById(user.id)).toBeNull();
    expect(await selectRunsOnReplica()).toBe(true);
  });

  test("a stream outside a unit of work follows the same rule: the session's own commit is in it, a stream outside the session reads the stale replica", async () => {
    const streamed = async (ids: number[]) => {
      const seen: number[] = [];
      for await (const user of users().stream({ where: { id: { in: ids } }, orderBy: "id", batchSize: 1 })) seen.push(user.id);
      return seen;
    };
    const before = await uw.unitOfWork.run(() => users().create({ email: email() }));
    // replay is paused: the replica does not have `before` either, so take one it has (created before the pause)
    const [{ id: old }] = await replicaQuery<{ id: number }>("SELECT min(id) AS id FROM users");
    const { created, inSession } = await uw.session(async () => {
      const made = await uw.unitOfWork.run(() => users().create({ email: email() }));
      return { created: made, inSession: await streamed([old, made.id]) };
    });
    expect(inSession).toEqual([old, created.id]);
    // outside the session: the replica's snapshot, without either new row, but with the old one
    expect(await streamed([old, before.id, created.id])).toEqual([old]);
  });

  test("writes outside a unit of work count for the session: a repository create and TypeORM's save", async () => {
    await uw.session(async () => {
      const created = await users().create({ email: email() });
      expect((await users().getById(created.id))?.email).toBe(created.email);
      const saved = await uw.dataSource.getRepository(User).save(uw.dataSource.getRepository(User).create({ email: email() }));
      expect((await users().getById(saved.id))?.email).toBe(saved.email);
      const [{ id }] = (await uw.dataSource.query("INSERT INTO users (email) VALUES ($1) RETURNING id", [email()])) as { id: number }[];
      expect(await users().existsById(id)).toBe(true);
    });
  });

  test("a consistency token carries the session into a later one; a session without it reads the replica", async () => {
    const { id, token } = await uw.session(async () => {
      const created = await uw.unitOfWork.run(() => users().create({ email: email() }));
      return { id: created.id, token: uw.consistencyToken() };
    });
    expect(token).toMatch(/^u1-[0-9A-F]+-[0-9A-F]+$/);
    expect(await uw.session(() => users().getById(id), { token })).not.toBeNull();
    expect(await uw.session(() => users().getById(id))).toBeNull();
  });

  test('"eventual" reads the replica right after its own write; "primary" never uses the replica', async () => {
    const eventual = await another({ replicas: { consistency: "eventual" } });
    const primary = await another({ replicas: { consistency: "primary" } });
    await eventual.session(async () => {
      const created = await eventual.unitOfWork.run(() => eventual.repositories.create(User).create({ email: email() }));
      expect(await eventual.repositories.create(User).getById(created.id)).toBeNull();
    });
    expect(await selectRunsOnReplica(primary)).toBe(false);
    expect(await primary.unitOfWork.run((ctx) => ctx.replica, { readOnly: true })).toBe(false);
  });

  test("a replica further behind than maxLagMs is skipped and shows as lagging", async () => {
    const strict = await another({ replicas: { consistency: "eventual", maxLagMs: 100 } });
    await users().create({ email: email() });
    // the WAL reaches the replica (within wal_writer_delay) and is not replayed: its lag grows past 100 ms
    let health = await strict.health();
    for (let i = 0; i < 50 && health.replicas?.[0]?.state !== "lagging"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      health = await strict.health();
    }
    expect(health.replicas?.[0]).toMatchObject({ name: "replica-1", state: "lagging" });
    expect(health.replicas?.[0]?.lagMs).toBeGreaterThan(100);
    expect(await strict.unitOfWork.run((ctx) => ctx.replica, { readOnly: true })).toBe(false);
    expect(await selectRunsOnReplica(strict)).toBe(false);
  });
});

describe("after the replay resumes", () => {
  test("the session goes back to the replica once it has replayed the session's commit", async () => {
    await pair.pauseReplay();
    await uw.session(async () => {
      const created = await uw.unitOfWork.run(() => users().create({ email: email() }));
      expect(await uw.unitOfWork.run((ctx) => ctx.replica, { readOnly: true })).toBe(false);
      await pair.resumeReplay();
      await pair.catchUp();
      // the lag measured while it was paused is forgotten at the next check (within checkIntervalMs; health() checks now)
      expect((await uw.health()).replicas?.[0]?.state).toBe("up");
      const again = await uw.unitOfWork.run(async (ctx) => ({ replica: ctx.replica, found: await ctx.repository(User).getById(created.id) }), { readOnly: true });
      expect(again.replica).toBe(true);
      expect(again.found?.email).toBe(created.email);
      expect(await selectRunsOnReplica()).toBe(true);
    });
  });
});

describe("a replica that is down", () => {
  test("costs no failed request, shows in health(), and is used again once it is back", async () => {
    // A read blocked on the replica when it stops: an ACCESS EXCLUSIVE lock taken on the primary is
    // replayed on the replica, where the read waits for it.
    await uw.unitOfWork.run(() => users().create({ email: email() }));
    const locker = new Client({ connectionString: pair.urlsFor(database).primary });
    await locker.connect();
    let inFlight: Promise<number> | undefined;
    let inUnit: Promise<number> | undefined;
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      await pair.catchUp();
      inFlight = users().count();
      inUnit = uw.unitOfWork.run(() => users().count(), { readOnly: true, retry: { attempts: 2, on: ["connection"] } });
      for (let i = 0; (await replicaQuery<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0]!.n !== "2"; i++) {
        if (i > 200) throw new Error("the read never waited on the replica");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await pair.stopReplica();
    } finally {
      await locker.query("COMMIT").finally(() => locker.end());
    }
    // cut off on the replica, the read ran again on the primary (once the lock was gone there), and so
    // did the readOnly unit of work that allows a retry on a lost connection
    await expect(inFlight).resolves.toBeGreaterThan(0);
    await expect(inUnit).resolves.toBeGreaterThan(0);
    try {
      // nothing fails: every read falls back to the primary
      const created = await uw.unitOfWork.run(() => users().create({ email: email() }));
      for (let i = 0; i < 5; i++) {
        expect((await users().getById(created.id))?.email).toBe(created.email);
        expect(await uw.unitOfWork.run((ctx) => ctx.replica, { readOnly: true })).toBe(false);
        expect(await selectRunsOnReplica()).toBe(false);
      }
      const health = await uw.health();
      expect(health.ok).toBe(true);
      expect(health.replicas).toEqual([expect.objectContaining({ name: "replica-1", state: "down", lagMs: null, error: expect.any(String) })]);
      expect(logger.entries.some((e) => e.level === "warn" && /replica-1 is down/.test(String(e.msg)))).toBe(true);
      // a unitwork started while the replica is down starts (TypeORM alone would refuse) and reads from the primary
      const late = await another({});
      expect((await late.health()).replicas?.[0]?.state).toBe("down");
      expect(await selectRunsOnReplica(late)).toBe(false);
    } finally {
      await pair.startReplica();
    }
    await pair.catchUp();
    expect((await uw.health()).replicas?.[0]).toMatchObject({ state: "up", lagMs: expect.any(Number) });
    expect(await uw.unitOfWork.run((ctx) => ctx.replica, { readOnly: true })).toBe(true);
    expect(await selectRunsOnReplica()).toBe(true);
  });
});

describe("over HTTP, with the token in a header or a cookie", () => {
  const create = async (body: unknown) => reply(201, await users().create(body as Partial<User>));
  const find = (id: string) => users().getByIdOrFail(Number(id));

  function expressApp(carrier: ConsistencyTokenCarrier): Server {
    const app = express();
    app.use(express.json());
    app.post("/users", expressHandler(uw, (req) => create(req.body), { consistencyToken: carrier }));
    app.get("/users/:id", expressHandler(uw, (req) => find(String(req.params.id)), { readOnly: true, consistencyToken: carrier }));
    app.use(expressErrorHandler(uw));
    return createServer(app);
  }

  async function fastifyApp(carrier: ConsistencyTokenCarrier): Promise<Server> {
    const app = Fastify();
    app.setErrorHandler(fastifyErrorHandler(uw));
    app.post("/users", fastifyHandler(uw, (request) => create(request.body), { consistencyToken: carrier }));
    app.get("/users/:id", fastifyHandler(uw, (request) => find((request.params as { id: string }).id), { readOnly: true, consistencyToken: carrier }));
    await app.ready();
    return app.server;
  }

  /**
   * The middleware form: koaUnitOfWork reads and sends the token around every route, without a unit of
   * work of its own (`transactional: false`); each route's koaHandler runs its own, in the request's session.
   */
  function koaApp(carrier: ConsistencyTokenCarrier): Server {
    const app = new Koa();
    const router = new Router();
    app.use(koaErrorHandler(uw));
    app.use(async (ctx, next) => {
      if (ctx.is("application/json")) {
        const chunks: Buffer[] = [];
        for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
        (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      }
      await next();
    });
    app.use(koaUnitOfWork(uw, { consistencyToken: carrier, transactional: false }));
    router.post("/users", koaHandler(uw, (ctx) => create((ctx.request as { body?: unknown }).body)));
    router.get("/users/:id", koaHandler(uw, (ctx) => find(ctx.params.id!), { readOnly: true }));
    app.use(router.routes());
    return createServer(app.callback());
  }

  const cases: [string, ConsistencyTokenCarrier, (carrier: ConsistencyTokenCarrier) => Server | Promise<Server>][] = [
    ["express, header", { header: "X-Consistency-Token" }, expressApp],
    ["fastify, cookie", { cookie: "uw_consistency" }, fastifyApp],
    ["koa middleware, header and cookie", { header: "X-Consistency-Token", cookie: "uw_consistency" }, koaApp],
  ];

  beforeAll(() => pair.pauseReplay());
  afterAll(() => pair.resumeReplay());

  test.each(cases)("%s: the next request reads the client's own write; a request without the token reads the replica", async (_name, carrier, app) => {
    const server = await startTestServer(await app(carrier));
    try {
      const created = await server.call("POST", "/users", { email: email() });
      expect(created.status).toBe(201);
      const header = carrier.header ? created.headers.get(carrier.header) : null;
      const cookie = carrier.cookie ? created.headers.getSetCookie().find((c) => c.startsWith(`${carrier.cookie}=`)) : undefined;
      if (carrier.header) expect(header).toMatch(/^u1-/);
      if (carrier.cookie) expect(cookie).toMatch(/^uw_consistency=u1-[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
      const sendBack: Record<string, string> = carrier.header ? { [carrier.header]: header! } : { cookie: cookie!.split(";")[0]! };
      const own = await server.call("GET", `/users/${created.body.id}`, undefined, sendBack);
      expect(own.status).toBe(200);
      expect(own.body.email).toBe(created.body.email);
      // without the token the request is a session of its own: the (paused) replica serves it
      expect((await server.call("GET", `/users/${created.body.id}`)).status).toBe(404);
      const forged = carrier.header ? { [carrier.header]: "not-a-token" } : { cookie: `${carrier.cookie}=not-a-token` };
      const refused = await server.call("GET", `/users/${created.body.id}`, undefined, forged);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("INVALID_QUERY");
      if (carrier.cookie && !carrier.header) {
        // a cookie whose percent-encoding is broken is a malformed token too, not a server error
        const broken = await server.call("GET", `/users/${created.body.id}`, undefined, { cookie: `${carrier.cookie}=u1-%E0%A4%A` });
        expect([broken.status, broken.body.error.code]).toEqual([400, "INVALID_QUERY"]);
      }
    } finally {
      await server.close();
    }
  });
});

describe("docs/scale-out.md, section Read replicas: its examples run as written", () => {
  const page = readFileSync(join(__dirname, "../../docs/scale-out.md"), "utf8");
  const start = page.indexOf("\n## Read replicas\n");
  const end = page.indexOf("\n## ", start + 5);
  const section = page.slice(start, end < 0 ? undefined : end);
  const normalize = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("import "));

  test("every ts example of the section is in this file, unchanged", () => {
    expect(start).toBeGreaterThan(0);
    const examples = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalize(m[1]!));
    expect(examples).toHaveLength(7);
    const here = normalize(readFileSync(__filename, "utf8"));
    const missing = examples.filter((block) => !here.some((_, at) => block.every((line, i) => here[at + i] === line)));
    expect(missing).toEqual([]);
  });

  let docsUw: Unitwork;
  beforeAll(async () => {
    const urls = pair.urlsFor(database);
    const saved = { DATABASE_URL: process.env.DATABASE_URL, REPLICA_URL: process.env.REPLICA_URL, UNITWORK_LOG_LEVEL: process.env.UNITWORK_LOG_LEVEL };
    Object.assign(process.env, { DATABASE_URL: urls.primary, REPLICA_URL: urls.replica, UNITWORK_LOG_LEVEL: "silent" });
    try {
      // ---- Configuration
      const dataSource = new DataSource({
        type: "postgres",
        replication: {
          master: { url: process.env.DATABASE_URL },
          slaves: [{ url: process.env.REPLICA_URL }], // one entry per streaming replica
        },
        entities: domainEntities,
      });
      const uw = await createUnitwork({
        dataSource,
        replicas: { consistency: "session", maxLagMs: 10_000, waitMs: 100 }, // the defaults
      });
      docsUw = uw;
      closers.push(() => uw.close());
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    await pair.catchUp();
  });

  test("Routing", async () => {
    const uw = docsUw;
    const { report } = await uw.analyzer.scope("routing", async () => {
      const users = uw.repositories.create(User);
      await uw.unitOfWork.run(() => users.create({ email: "ada@example.com" })); // the primary
      await uw.unitOfWork.run(() => users.count(), { readOnly: true }); // a replica
      await users.findMany({ orderBy: "id" }); // a replica: a read outside any unit of work
    });
    expect(report.queries.map((q) => `${q.server} ${q.sql.split(" ")[0]}`)).toEqual(["primary INSERT", "replica-1 SELECT", "replica-1 SELECT"]);
  });

  test("Consistency: a session reads its own commit while the replica is paused", async () => {
    const uw = docsUw;
    const users = uw.repositories.create(User);
    await pair.pauseReplay();
    try {
      const grace = await uw.session(async () => {
        const created = await uw.unitOfWork.run(() => users.create({ email: "grace@example.com" }));
        return users.getById(created.id); // found: a replica that has replayed the commit, else (after waitMs) the primary
      });
      expect(grace).toMatchObject({ email: "grace@example.com" });

      // request 1: write, then hand the token to the client
      const token = await uw.session(async () => {
        await uw.unitOfWork.run(() => users.create({ email: "linus@example.com" }));
        return uw.consistencyToken(); // e.g. "u1-0-3001188"
      });
      // request 2, which brought the token back: it reads what request 1 wrote
      const linus = await uw.session(() => users.findFirst({ where: { email: "linus@example.com" } }), { token });
      expect(linus?.email).toBe("linus@example.com");
      expect(await users.findFirst({ where: { email: "linus@example.com" } })).toBeNull(); // no token: the paused replica
    } finally {
      await pair.resumeReplay();
    }
  });

  test("Across requests: the adapters carry the token", async () => {
    const uw = docsUw;
    const users = uw.repositories.create(User);
    const app = express();
    app.use(express.json());
    const carry = { consistencyToken: { header: "X-Consistency-Token" } };
    app.post("/users", expressHandler(uw, async (req) => reply(201, await users.create(req.body)), carry));
    app.get("/users/:id", expressHandler(uw, (req) => users.getByIdOrFail(Number(req.params.id)), { readOnly: true, ...carry }));
    app.use(expressErrorHandler(uw));
    const server = await startTestServer(createServer(app));
    await pair.pauseReplay();
    try {
      const created = await server.call("POST", "/users", { email: "margaret@example.com" });
      const token = created.headers.get("X-Consistency-Token")!;
      expect(token).toMatch(/^u1-/);
      expect((await server.call("GET", `/users/${created.body.id}`, undefined, { "X-Consistency-Token": token })).status).toBe(200);
      expect((await server.call("GET", `/users/${created.body.id}`)).status).toBe(404);
    } finally {
      await pair.resumeReplay();
      await server.close();
    }
  });

  test("Health, and where each statement ran", async () => {
    const uw = docsUw;
    const users = uw.repositories.create(User);
    await pair.catchUp();
    const { replicas } = await uw.health();
    // [{ name: "replica-1", address: "127.0.0.1:5433", state: "up", lagMs: 0, replayedLsn: "0/3001188" }]
    // state: "up", "lagging" (further behind than maxLagMs: skipped) or "down" (with its error: skipped)
    expect(replicas).toEqual([{ name: "replica-1", address: `127.0.0.1:${new URL(pair.replicaUrl).port}`, state: "up", lagMs: expect.any(Number), replayedLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) }]);

    const { report } = await uw.analyzer.scope("monthly report", () =>
      uw.unitOfWork.run(async (ctx) => {
        uw.logger.info({ replica: ctx.replica }, "monthly report"); // true: on a replica
        return users.count();
      }, { readOnly: true }));
    report.queries.map((q) => q.server); // ["replica-1"]
    expect(report.queries.map((q) => q.server)).toEqual(["replica-1"]);
  });
});
