import type { Histogram } from "@opentelemetry/sdk-metrics";
import { User } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { registerTestSdk, type TestSdk } from "./otel-sdk";

let sdk: TestSdk;
let t: TestUnitwork;
beforeAll(async () => {
  sdk = registerTestSdk();
  t = await openTestUnitwork({ analyzer: { mode: "off" }, poolSize: 3 });
});
afterAll(async () => {
  await t?.close();
  await sdk.shutdown();
});

const count = (name: string, attributes: Record<string, unknown>) =>
  sdk.points(name, attributes).reduce((sum, p) => sum + (typeof p.value === "number" ? p.value : (p.value as Histogram).count), 0);

test("unit-of-work duration by outcome, retries, statement duration by operation", async () => {
  const users = t.uw.repositories.create(User);
  await sdk.collect();
  const before = {
    commit: count("unitwork.unit_of_work.duration", { "unitwork.outcome": "commit" }),
    rollback: count("unitwork.unit_of_work.duration", { "unitwork.outcome": "rollback" }),
    retries: count("unitwork.unit_of_work.retries", {}),
    inserts: count("db.client.operation.duration", { "db.operation.name": "INSERT", "db.collection.name": "users" }),
  };

  await t.uw.unitOfWork.run(() => users.create({ email: "m1@example.com" }));
  await t.uw.unitOfWork.run(() => users.create({ email: "m1@example.com" })).catch(() => undefined); // unique violation: rollback
  let attempt = 0;
  await t.uw.unitOfWork.run(async (ctx) => {
    if (++attempt === 1) await ctx.manager.query("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40P01'; END $$");
  }, { retry: { attempts: 2, baseDelayMs: 1 } });
  await sdk.collect();

  const unitDuration = sdk.metric("unitwork.unit_of_work.duration")!;
  expect(unitDuration.descriptor.unit).toBe("s");
  expect(count("unitwork.unit_of_work.duration", { "unitwork.outcome": "commit" }) - before.commit).toBe(2);
  expect(count("unitwork.unit_of_work.duration", { "unitwork.outcome": "rollback" }) - before.rollback).toBe(1);
  expect(count("unitwork.unit_of_work.retries", {}) - before.retries).toBe(1);
  expect(count("db.client.operation.duration", { "db.operation.name": "INSERT", "db.collection.name": "users", "db.system.name": "postgresql" }) - before.inserts).toBe(2);
  expect(sdk.points("db.client.operation.duration", { "db.operation.name": "INSERT", "error.type": "UNIQUE_VIOLATION" })).toHaveLength(1);
  expect(sdk.points("db.client.operation.duration", { "db.operation.name": "DO", "error.type": "DEADLOCK" })).toHaveLength(1);
  // statement durations are recorded in seconds
  const [insert] = sdk.points("db.client.operation.duration", { "db.operation.name": "INSERT" });
  expect((insert!.value as Histogram).sum!).toBeLessThan(5);
});

test("pool connections by state (idle/used) and pending requests", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const holders = Array.from({ length: 4 }, () => t.uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query("SELECT 1");
    await held;
  }));
  await new Promise((r) => setTimeout(r, 200));
  await sdk.collect();
  const pool = t.db.name;
  expect(sdk.points("db.client.connection.count", { "db.client.connection.state": "used", "db.client.connection.pool.name": pool })[0]!.value).toBe(3);
  expect(sdk.points("db.client.connection.count", { "db.client.connection.state": "idle" })[0]!.value).toBe(0);
  expect(sdk.points("db.client.connection.pending_requests", { "db.client.connection.pool.name": pool })[0]!.value).toBe(1);
  release();
  await Promise.all(holders);
  await sdk.collect();
  expect(sdk.points("db.client.connection.count", { "db.client.connection.state": "used" })[0]!.value).toBe(0);
  expect(sdk.points("db.client.connection.count", { "db.client.connection.state": "idle" })[0]!.value).toBe(3);
  expect(sdk.points("db.client.connection.pending_requests")[0]!.value).toBe(0);
});
