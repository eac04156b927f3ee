import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { User } from "../../examples/domain";
import { UniqueViolationError } from "../../src";
import { join } from "node:path";
import { loadCompiled } from "../entities/compile-fixture";
import type * as PlainFixture from "../entities/fixtures/plain-entities";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { registerTestSdk, spanText, type TestSdk } from "./otel-sdk";

let sdk: TestSdk;
let t: TestUnitwork;
let quiet: TestUnitwork;
beforeAll(async () => {
  sdk = registerTestSdk();
  t = await openTestUnitwork({ analyzer: { mode: "log", nPlusOneThreshold: 3 } });
  quiet = await openTestUnitwork({ label: "traces_quiet", analyzer: { mode: "off" }, telemetry: { statements: false } });
});
afterAll(async () => {
  await t?.close();
  await quiet?.close();
  await sdk.shutdown();
});
beforeEach(() => sdk.reset());

const THIS_FILE = "test/telemetry/traces.test.ts";
const unitSpans = () => sdk.spans().filter((s) => s.name.startsWith("unitwork "));
const childrenOf = (parent: ReadableSpan) => sdk.spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

test("a committed unit of work is one span, its statements child spans with the database conventions and the application's call site", async () => {
  const email = "secret-ada@example.com";
  const users = t.uw.repositories.create(User);
  const created = await t.uw.unitOfWork.run(async () => {
    const user = await users.create({ email });
    await users.getById(user.id);
    return user;
  }, { name: "signup", isolation: "REPEATABLE READ" });

  const [unit, ...others] = unitSpans();
  expect(others).toEqual([]);
  expect(unit!.name).toBe("unitwork signup");
  expect(unit!.kind).toBe(SpanKind.INTERNAL);
  expect(unit!.attributes).toMatchObject({
    "unitwork.propagation": "required",
    "unitwork.isolation": "REPEATABLE READ",
    "unitwork.attempts": 1,
    "unitwork.outcome": "commit",
    "db.system.name": "postgresql",
    "db.namespace": t.db.name,
  });
  expect(unit!.status.code).not.toBe(SpanStatusCode.ERROR);

  const statements = childrenOf(unit!);
  expect(statements.map((s) => s.attributes["db.operation.name"])).toEqual(["INSERT", "SELECT"]);
  for (const statement of statements) {
    expect(statement.kind).toBe(SpanKind.CLIENT);
    expect(statement.spanContext().traceId).toBe(unit!.spanContext().traceId);
    expect(statement.attributes).toMatchObject({ "db.system.name": "postgresql", "db.namespace": t.db.name, "db.collection.name": "users" });
    expect(statement.attributes["db.query.text"]).toMatch(/\$1/);
    expect(statement.attributes["code.file.path"]).toBe(THIS_FILE);
    expect(statement.attributes["code.line.number"]).toEqual(expect.any(Number));
    expect(statement.attributes["code.column.number"]).toEqual(expect.any(Number));
  }
  const [insert, select] = statements;
  expect(insert!.name).toBe("INSERT users");
  expect(select!.name).toBe("SELECT users");
  expect(select!.attributes["db.response.returned_rows"]).toBe(1);
  // each statement carries the line that issued it
  expect(select!.attributes["code.line.number"]).toBe((insert!.attributes["code.line.number"] as number) + 1);
  for (const span of sdk.spans()) {
    expect(spanText(span)).not.toContain(email);
    expect(spanText(span)).not.toContain(String(created.uuid));
  }
});

test("a rolled-back unit of work: outcome rollback, error status and error.type (the UnitworkError code) on it and on the failing statement", async () => {
  const users = t.uw.repositories.create(User);
  await users.create({ email: "taken@example.com" });
  sdk.reset();
  await expect(t.uw.unitOfWork.run(async () => {
    await users.create({ email: "taken@example.com" });
  })).rejects.toBeInstanceOf(UniqueViolationError);

  const [unit] = unitSpans();
  expect(unit!.name).toBe("unitwork unit of work");
  expect(unit!.attributes).toMatchObject({ "unitwork.outcome": "rollback", "unitwork.attempts": 1, "error.type": "UNIQUE_VIOLATION" });
  expect(unit!.status.code).toBe(SpanStatusCode.ERROR);
  const [insert] = childrenOf(unit!);
  expect(insert!.attributes).toMatchObject({ "error.type": "UNIQUE_VIOLATION", "db.response.status_code": "23505" });
  expect(insert!.status.code).toBe(SpanStatusCode.ERROR);
  for (const span of sdk.spans()) expect(spanText(span)).not.toContain("taken@example.com");

  // the application's own error: its class name
  sdk.reset();
  class PaymentDeclined extends Error {
    override name = "PaymentDeclined";
  }
  await expect(t.uw.unitOfWork.run(async () => {
    throw new PaymentDeclined("card 4242 declined");
  }, { name: "pay" })).rejects.toBeInstanceOf(PaymentDeclined);
  const [pay] = unitSpans();
  expect(pay!.attributes).toMatchObject({ "unitwork.outcome": "rollback", "error.type": "PaymentDeclined" });
  expect(spanText(pay!)).not.toContain("4242");
});

test("a retried unit of work is one span with unitwork.attempts 2 and the statements of both attempts", async () => {
  let attempt = 0;
  await t.uw.unitOfWork.run(async (ctx) => {
    attempt++;
    await ctx.manager.query("SELECT 1 AS one");
    if (attempt === 1) await ctx.manager.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
  }, { name: "transfer", isolation: "SERIALIZABLE", retry: { attempts: 3, baseDelayMs: 1 } });

  const [unit, ...others] = unitSpans();
  expect(others).toEqual([]);
  expect(unit!.attributes).toMatchObject({ "unitwork.attempts": 2, "unitwork.outcome": "commit", "unitwork.isolation": "SERIALIZABLE" });
  const statements = childrenOf(unit!);
  expect(statements.map((s) => s.name)).toEqual(["SELECT", "DO", "SELECT"]);
  expect(statements[1]!.attributes["error.type"]).toBe("SERIALIZATION_FAILURE");
});

test("an N+1 is a unitwork.finding event on the unit of work's span, with its call site", async () => {
  const users = t.uw.repositories.create(User);
  const ids: number[] = [];
  for (const n of [1, 2, 3, 4]) ids.push((await users.create({ email: `loop-${n}@example.com` })).id);
  sdk.reset();
  await t.uw.unitOfWork.run(async () => {
    for (const id of ids) await users.getById(id);
  }, { name: "list" });

  const [unit] = unitSpans();
  const findings = unit!.events.filter((e) => e.name === "unitwork.finding");
  expect(findings).toHaveLength(1);
  expect(findings[0]!.attributes).toMatchObject({ "unitwork.finding.kind": "n+1", "unitwork.finding.count": 4, "code.file.path": THIS_FILE });
  expect(findings[0]!.attributes!["db.query.text"]).toMatch(/\$1/);
  // the finding's sample parameters (the ids) stay out of the span
  expect(Object.keys(findings[0]!.attributes!).filter((k) => /param/i.test(k))).toEqual([]);
});

test("application spans nest: the caller's span is the unit of work's parent, a span opened in the work is its child", async () => {
  const tracer = trace.getTracer("app");
  await tracer.startActiveSpan("POST /signup", async (request) => {
    await t.uw.unitOfWork.run(async (ctx) => {
      await tracer.startActiveSpan("send mail", async (mail) => {
        await ctx.manager.query("SELECT 2 AS two");
        mail.end();
      });
    }, { name: "signup" });
    request.end();
  });
  const byName = new Map(sdk.spans().map((s) => [s.name, s]));
  const request = byName.get("POST /signup")!;
  const unit = byName.get("unitwork signup")!;
  const mail = byName.get("send mail")!;
  const statement = byName.get("SELECT")!;
  expect(unit.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  expect(mail.parentSpanContext?.spanId).toBe(unit.spanContext().spanId);
  expect(statement.parentSpanContext?.spanId).toBe(mail.spanContext().spanId);
});

test("telemetry: { statements: false } keeps only the unit-of-work spans", async () => {
  await quiet.uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query("SELECT 3 AS three");
    await ctx.repository(User).count();
  }, { name: "quiet" });
  expect(sdk.spans().map((s) => s.name)).toEqual(["unitwork quiet"]);
  expect(sdk.spans()[0]!.attributes["unitwork.outcome"]).toBe("commit");
});

test("callSites: true: with the analyzer off, statement spans carry the exact line of each repository and EntityManager call", async () => {
  const plain = await openTestUnitwork({ label: "traces_analyzer_off", analyzer: { mode: "off" }, telemetry: { callSites: true } });
  try {
    const line = () => Number(new Error().stack!.split("\n")[2]!.match(/traces\.test\.ts:(\d+):/)![1]);
    const expected: number[] = [];
    await plain.uw.unitOfWork.run(async (ctx) => {
      const users = ctx.repository(User);
      expected.push(line() + 1);
      const user = await users.create({ email: "off@example.com" });
      expected.push(line() + 1);
      await ctx.manager.findOneBy(User, { id: user.id });
      expected.push(line() + 1);
      await users.count();
    }, { name: "analyzer-off" });
    const statements = sdk.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(statements.map((s) => s.attributes["db.operation.name"])).toEqual(["INSERT", "SELECT", "SELECT"]);
    expect(statements.map((s) => s.attributes["code.file.path"])).toEqual([THIS_FILE, THIS_FILE, THIS_FILE]);
    expect(statements.map((s) => s.attributes["code.line.number"])).toEqual(expected);
  } finally {
    await plain.close();
  }
});

test("callSites: true: with the analyzer off, every statement of every kind of repository call carries its call site", async () => {
  const plain = await openTestUnitwork({ label: "traces_every_call", analyzer: { mode: "off" }, telemetry: { callSites: true } });
  try {
    const first = Number(new Error().stack!.split("\n")[1]!.match(/traces\.test\.ts:(\d+):/)![1]);
    await plain.uw.unitOfWork.run(async (ctx) => {
      const users = ctx.repository(User);
      const u = await users.create({ email: "every@example.com" });
      await users.getByIdOrFail(u.id);
      await users.paginate({ page: 1, pageSize: 2 });
      await users.paginateByCursor({ first: 2 });
      await users.update(u.id, { isActive: false });
      await users.bulkInsert([{ email: "every-2@example.com" }, { email: "every-3@example.com" }]);
      await users.bulkUpdate([{ id: u.id, isActive: true }]);
      await users.bulkUpsert([{ email: "every-4@example.com" }], { conflictPaths: ["email"] });
      await users.bulkDelete({ email: "every-2@example.com" });
      for await (const row of users.stream({ batchSize: 2 })) void row;
      await users.delete(u.id);
    });
    const last = first + 16;
    const statements = sdk.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(statements.length).toBeGreaterThanOrEqual(13);
    for (const statement of statements) {
      expect([statement.name, statement.attributes["code.file.path"]]).toEqual([statement.name, THIS_FILE]);
      expect(statement.attributes["code.line.number"]).toBeGreaterThan(first + 2);
      expect(statement.attributes["code.line.number"]).toBeLessThan(last);
    }
  } finally {
    await plain.close();
  }
});

test("callSites: true: with the analyzer off, plain TypeORM entities used through TypeORM's own Repository and query builder get the caller's line", async () => {
  const e = loadCompiled<typeof PlainFixture>(join(__dirname, "../entities/fixtures/plain-entities.ts"), "tsc-es2022");
  const plain = await openTestUnitwork({ label: "traces_plain_typeorm", analyzer: { mode: "off" }, telemetry: { callSites: true }, entities: [e.PlainAuthor, e.PlainNote, e.ValidatedNote] });
  try {
    const line = () => Number(new Error().stack!.split("\n")[2]!.match(/traces\.test\.ts:(\d+):/)![1]);
    const expected: number[] = [];
    await plain.uw.unitOfWork.run(async (ctx) => {
      const authors = ctx.manager.getRepository(e.PlainAuthor);
      expected.push(line() + 1);
      const ada = await authors.save(authors.create({ name: "Plain Ada" }));
      expected.push(line() + 1);
      await authors.findOneBy({ id: ada.id });
      expected.push(line() + 1);
      await authors.createQueryBuilder("a").where("a.id = :id", { id: ada.id }).getOne();
    }, { name: "plain-typeorm" });
    const statements = sdk.spans().filter((s) => s.kind === SpanKind.CLIENT && s.attributes["db.collection.name"] === "plain_author");
    expect(statements.map((s) => s.attributes["db.operation.name"])).toEqual(["INSERT", "SELECT", "SELECT"]);
    expect(statements.map((s) => s.attributes["code.file.path"])).toEqual([THIS_FILE, THIS_FILE, THIS_FILE]);
    expect(statements.map((s) => s.attributes["code.line.number"])).toEqual(expected);
  } finally {
    await plain.close();
  }
});

test("by default, call sites follow the analyzer: none with it off (no stack is taken), and they appear when it is switched on", async () => {
  const plain = await openTestUnitwork({ label: "traces_default_sites", analyzer: { mode: "off" } });
  try {
    const work = () =>
      plain.uw.unitOfWork.run(async (ctx) => {
        await ctx.repository(User).count();
        await ctx.manager.query("SELECT 1 AS one");
      });
    await work();
    const off = sdk.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(off.map((s) => s.attributes["db.operation.name"])).toEqual(["SELECT", "SELECT"]);
    expect(off.map((s) => s.attributes["code.file.path"])).toEqual([undefined, undefined]);
    sdk.reset();
    plain.uw.analyzer.configure({ mode: "log" });
    await work();
    const on = sdk.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(on.map((s) => s.attributes["code.file.path"])).toEqual([THIS_FILE, THIS_FILE]);
  } finally {
    await plain.close();
  }
});

test("callSites: false: no code.* attributes even while the analyzer takes call sites", async () => {
  const bare = await openTestUnitwork({ label: "traces_no_sites", analyzer: { mode: "log" }, telemetry: { callSites: false } });
  try {
    await bare.uw.unitOfWork.run((ctx) => ctx.repository(User).count());
    const statements = sdk.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(statements).toHaveLength(1);
    expect(Object.keys(statements[0]!.attributes).filter((k) => k.startsWith("code."))).toEqual([]);
    expect(statements[0]!.attributes["db.query.text"]).toMatch(/^SELECT COUNT/);
  } finally {
    await bare.close();
  }
});

test("telemetry.callSites must be a boolean", async () => {
  await expect(openTestUnitwork({ label: "traces_bad_sites", telemetry: { callSites: "always" as never } })).rejects.toThrow("telemetry.callSites must be a boolean, got string");
});

test("a statement outside any unit of work is a root span of its own", async () => {
  await t.uw.repositories.create(User).count();
  const [statement, ...rest] = sdk.spans();
  expect(rest).toEqual([]);
  expect(statement!.name).toBe("SELECT users");
  expect(statement!.parentSpanContext).toBeUndefined();
  expect(statement!.attributes["code.file.path"]).toBe(THIS_FILE);
});

test("sqlCommenter: the statements of a traced unit carry traceparent and the route in a comment; the analyzer's fingerprints do not change", async () => {
  const commented = await openTestUnitwork({ label: "traces_commenter", analyzer: { mode: "log" }, telemetry: { sqlCommenter: true } });
  try {
    const reports: string[][] = [];
    commented.uw.analyzer.onReport((report) => reports.push(report.queries.map((q) => `${q.fingerprint} ${q.sql}`)));
    const seen: string[] = [];
    const statement = "SELECT pg_sleep(1) /* commented */";
    const run = commented.uw.unitOfWork.run((ctx) => ctx.manager.query(statement), { name: "GET /slow" });
    for (let tries = 0; seen.length === 0 && tries < 40; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      const rows = await commented.uw.dataSource.query(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(1)%' AND pid <> pg_backend_pid()`);
      seen.push(...rows.map((r: { query: string }) => r.query));
    }
    await run;
    const [unit] = unitSpans().filter((s) => s.name === "unitwork GET /slow");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^SELECT pg_sleep\\(1\\) /\\* commented \\*/ /\\*traceparent='00-${unit!.spanContext().traceId}-[0-9a-f]{16}-01',route='GET%20%2Fslow'\\*/$`));
    // the analyzer and the span saw the statement as the application wrote it
    expect(reports.flat().some((q) => q.includes("traceparent"))).toBe(false);
    expect(childrenOf(unit!)[0]!.attributes["db.query.text"]).toBe(statement);
    // outside a trace nothing is added
    await commented.uw.dataSource.query("SELECT 1 AS untraced");
  } finally {
    await commented.close();
  }
});
