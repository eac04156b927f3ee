import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import express from "express";
import { DataSource } from "typeorm";
import { domainEntities } from "../../examples/domain";
import { createServiceApp } from "../../examples/service/app";
import { startServiceTelemetry, type ServiceTelemetry } from "../../examples/service/telemetry";
import { createUnitwork, dataSourceOptionsFromEnv, UnitOfWorkAbortedError, type Unitwork } from "../../src";
import { healthHandler } from "../../src/http/express";
import { startTestServer, type TestServer } from "../http/http-test-server";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/**
 * The examples of docs/observability.md, run as written: each ```ts block of the page is copied here
 * (or in examples/service/telemetry.ts) unchanged (the first test checks it), and the trace of the example service's deploy endpoint the
 * page shows is the one this test records.
 */
let t: TestUnitwork;
let uw: Unitwork;
let telemetry: ServiceTelemetry;
let api: TestServer;
const spanExporter = new InMemorySpanExporter();
beforeAll(async () => {
  // ---- docs: register an SDK before createUnitwork (examples/service/telemetry.ts does this)
  telemetry = startServiceTelemetry({ spanExporter });
  t = await openTestUnitwork({ analyzer: { mode: "warn" } });
  uw = t.uw;
  // ---- docs: the example service with GET /metrics
  const app = createServiceApp(uw, { metrics: telemetry.metrics });
  api = await startTestServer(createServer(app));
});
afterAll(async () => {
  await api?.close();
  await t?.close();
  await telemetry?.shutdown();
});

const normalize = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("import ") && !line.startsWith("//"));

test("every example of the page is in this file, unchanged", () => {
  const page = readFileSync(join(__dirname, "../../docs/observability.md"), "utf8");
  const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalize(m[1]!));
  // the SDK set-up is shown from examples/service/telemetry.ts, which this test runs
  const sources = [__filename, join(__dirname, "../../examples/service/telemetry.ts")].map((file) => normalize(readFileSync(file, "utf8")));
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  const missing = blocks.filter((block) => !sources.some((here) => here.some((_, at) => block.every((line, i) => here[at + i] === line))));
  expect(missing).toEqual([]);
});

/** The span tree under `root`, one line per span, children indented, statements with their call site. */
function tree(spans: ReadableSpan[], root: ReadableSpan, depth = 0): string[] {
  const a = root.attributes;
  const site = a["code.file.path"] ? `  (${a["code.file.path"]}:${a["code.line.number"]})` : "";
  const facts = root.name.startsWith("unitwork ")
    ? `  [${["unitwork.propagation", "unitwork.isolation", "unitwork.attempts", "unitwork.outcome"].map((k) => `${k.slice(9)}=${a[k]}`).join(" ")}]`
    : a["db.response.returned_rows"] !== undefined ? `  rows=${a["db.response.returned_rows"]}` : "";
  const events = root.events.map((e) => `${"  ".repeat(depth + 1)}event ${e.name} ${e.attributes?.["unitwork.finding.kind"]} x${e.attributes?.["unitwork.finding.count"]}`);
  const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId).sort((x, y) => (x.startTime[0] - y.startTime[0]) || (x.startTime[1] - y.startTime[1]));
  return [`${"  ".repeat(depth)}${root.name}${facts}${site}`, ...events, ...children.flatMap((c) => tree(spans, c, depth + 1))];
}

test("a trace of the deploy endpoint: the request's unit of work, each statement with the service line that issued it", async () => {
  const owner = await api.call("POST", "/users", { email: "ops@example.com", password: "s3cret-pass" });
  const fn = await api.call("POST", "/functions", { ownerUuid: owner.body.uuid, name: "resize", runtime: "node20" });
  await api.call("POST", `/functions/${fn.body.uuid}/deployments`, { imageTag: "resize:1" });
  await telemetry.flush();
  spanExporter.reset();
  const deployed = await api.call("POST", `/functions/${fn.body.uuid}/deployments`, { imageTag: "resize:2" });
  expect(deployed.status).toBe(201);
  await telemetry.flush();
  const spans = spanExporter.getFinishedSpans();
  const unit = spans.find((s) => s.name === "unitwork POST /functions/:uuid/deployments")!;
  const text = tree(spans, unit).join("\n");
  console.log(`trace of POST /functions/:uuid/deployments:\n${text}`);
  expect(unit.attributes).toMatchObject({ "unitwork.outcome": "commit", "unitwork.attempts": 1 });
  const statements = spans.filter((s) => s.parentSpanContext?.spanId === unit.spanContext().spanId);
  expect(statements.length).toBeGreaterThanOrEqual(6);
  expect(statements.every((s) => String(s.attributes["code.file.path"]).startsWith("examples/service/"))).toBe(true);
  expect(text).toContain("UPDATE functions");
  expect(text).toContain("INSERT function_deployments");
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("resize:2");
});

test("GET /metrics serves the unitwork and database client metrics in the Prometheus format", async () => {
  const response = await fetch(`${api.url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/^unitwork_unit_of_work_duration(_seconds)?_count\{.*unitwork_outcome="commit".*\} \d+/m);
  expect(text).toMatch(/^db_client_operation_duration(_seconds)?_bucket\{.*db_operation_name="INSERT".*\} \d+/m);
  expect(text).toMatch(/^db_client_connection_count\{.*db_client_connection_state="idle".*\} \d+/m);
  expect(text).toMatch(/^db_client_connection_pending_requests\{.*\} 0/m);
});

test("the health endpoint, plain and with details", async () => {
  const plain = await api.call("GET", "/health");
  expect(plain.status).toBe(200);
  expect(plain.body).toEqual({ ok: true, latencyMs: expect.any(Number) });

  // ---- docs: health
  const internal = express();
  internal.get("/health", healthHandler(uw, { details: true }));
  const { ok, details } = await uw.health({ details: true, longTransactionMs: 5_000 });
  for (const wait of details?.lockWaits ?? []) console.warn(`pid ${wait.blockedPid} waits for pid ${wait.blockingPid}: ${wait.blockingQuery}`);
  // ----
  expect(ok).toBe(true);
  const server = await startTestServer(createServer(internal));
  try {
    const detailed = await server.call("GET", "/health");
    expect(detailed.body.details.largestTables.length).toBeGreaterThan(0);
  } finally {
    await server.close();
  }
});

test("lifecycle: a signal, a forced close, a retried first connection", async () => {
  const options = { ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities };
  const dataSource = new DataSource(options);
  // ---- docs: connectRetry
  const uw = await createUnitwork({ dataSource, connectRetry: { attempts: 10, maxDelayMs: 2_000 } });
  // ---- docs: signal
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  try {
    await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(10)"), { signal: controller.signal });
  } catch (error) {
    if (!(error instanceof UnitOfWorkAbortedError)) throw error;
  }
  // ---- docs: close
  const stuck = uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(30)")).catch((e: unknown) => e);
  await uw.close({ timeoutMs: 300 }); // waits 300 ms, then cancels the pg_sleep and closes
  // ----
  expect(await stuck).toBeInstanceOf(UnitOfWorkAbortedError);
  expect(dataSource.isInitialized).toBe(false);
});

test("telemetry: { statements: false } keeps the unit-of-work spans only", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  // ---- docs: statements off
  const uw = await createUnitwork({ dataSource, telemetry: { statements: false } });
  // ----
  try {
    await telemetry.flush();
    spanExporter.reset();
    await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1"), { name: "only the unit" });
    await telemetry.flush();
    expect(spanExporter.getFinishedSpans().map((s) => s.name)).toEqual(["unitwork only the unit"]);
  } finally {
    await uw.close();
  }
});

test("telemetry: { callSites: true } puts the call site on statement spans with the analyzer off", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  // ---- docs: call sites with the analyzer off
  const uw = await createUnitwork({ dataSource, analyzer: { mode: "off" }, telemetry: { callSites: true } });
  // ----
  try {
    await telemetry.flush();
    spanExporter.reset();
    await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT 1 AS one"), { name: "sited" });
    await telemetry.flush();
    const statement = spanExporter.getFinishedSpans().find((s) => s.name === "SELECT");
    expect(statement?.attributes["code.file.path"]).toBe("test/telemetry/observability-docs.test.ts");
  } finally {
    await uw.close();
  }
});
