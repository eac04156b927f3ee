/**
 * Read-replica configuration and tokens, without a replica: bad options are typed errors before any
 * connection, and without replicas the session API changes nothing.
 */
import { DataSource } from "typeorm";
import { User } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, InvalidConfigError, InvalidQueryError, withUnitOfWork } from "../../src";
import { formatLsn, parseLsn } from "../../src/unit-of-work/lsn";
import { parseConsistencyToken, ReadSession } from "../../src/unit-of-work/read-session";
import { serverUrl } from "../support/test-database";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t.close());

/** A replicated DataSource that is never initialized: the options are refused before any connection. */
function replicated(): DataSource {
  const url = serverUrl();
  return new DataSource({ type: "postgres", replication: { master: { url }, slaves: [{ url }] }, entities: [User] });
}

test.each([
  [{ consistancy: "session" }, /unknown replicas option "consistancy"; did you mean "consistency"\?/],
  [{ consistency: "strong" }, /unknown replicas.consistency "strong"; use one of session, eventual, primary/],
  [{ waitMs: -1 }, /replicas.waitMs must be a number of milliseconds >= 0/],
  [{ waitMs: Infinity }, /replicas.waitMs must be finite/],
  [{ maxLagMs: Number.NaN }, /replicas.maxLagMs must be a number/],
  [{ maxLagMs: "10s" }, /replicas.maxLagMs must be a number/],
  [{ checkIntervalMs: 0 }, /replicas.checkIntervalMs must be a positive number/],
  ["session", /replicas takes an options object/],
])("replicas: %p is refused with InvalidConfigError", async (replicas, message) => {
  const dataSource = replicated();
  const failed = await createUnitwork({ dataSource, replicas: replicas as never }).catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(InvalidConfigError);
  expect((failed as Error).message).toMatch(message);
  expect(dataSource.isInitialized).toBe(false);
});

test("replicas options on a DataSource without replication are refused", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: [User] });
  await expect(createUnitwork({ dataSource, replicas: { consistency: "eventual" } })).rejects.toThrow(/replicas options need a DataSource with TypeORM's replication/);
  expect(dataSource.isInitialized).toBe(false);
});

test("the adapters' consistencyToken option names a header or a cookie", () => {
  const handler = () => undefined;
  expect(() => withUnitOfWork(t.uw, handler, { consistencyToken: {} })).toThrow(/consistencyToken needs \{ header \} or \{ cookie \}/);
  expect(() => withUnitOfWork(t.uw, handler, { consistencyToken: { header: "X Token" } })).toThrow(InvalidConfigError);
  expect(() => withUnitOfWork(t.uw, handler, { consistencyToken: { heder: "X-Token" } as never })).toThrow(/did you mean "header"/);
  expect(() => withUnitOfWork(t.uw, handler, { consistencyToken: { header: "X-Consistency-Token", cookie: "uw_consistency" } })).not.toThrow();
});

describe("without replicas", () => {
  test("uw.session runs the work and passes its result (or error) through; there is no token", async () => {
    const users = t.uw.repositories.create(User);
    const found = await t.uw.session(async () => {
      const user = await t.uw.unitOfWork.run(() => users.create({ email: "solo@example.com" }));
      expect(t.uw.consistencyToken()).toBeUndefined();
      return users.getById(user.id);
    });
    expect(found?.email).toBe("solo@example.com");
    await expect(t.uw.session(() => Promise.reject(new Error("own error")))).rejects.toThrow("own error");
    await expect(t.uw.session(() => 42)).resolves.toBe(42);
  });

  test("a malformed token is an InvalidQueryError (a 400 over HTTP), a well-formed one is accepted", async () => {
    for (const token of ["", "u1-", "u1-0-", "u2-0-1", "u1-0-1; Path=/", "u1-123456789-0", 42]) {
      await expect(t.uw.session(() => undefined, { token: token as never })).rejects.toBeInstanceOf(InvalidQueryError);
    }
    await expect(t.uw.session(() => "ok", { token: "u1-0-3001188" })).resolves.toBe("ok");
    await expect(t.uw.session(() => "ok", { tokn: "u1-0-1" } as never)).rejects.toThrow(/did you mean "token"/);
  });

  test("health() has no replicas entry and a unit of work reports the primary", async () => {
    expect((await t.uw.health()).replicas).toBeUndefined();
    expect(await t.uw.unitOfWork.run((ctx) => ctx.replica, { readOnly: true })).toBe(false);
  });
});

test("WAL positions and consistency tokens round-trip", () => {
  for (const text of ["0/0", "0/3001188", "16/B374D848", "FFFFFFFF/FFFFFFFF"]) expect(formatLsn(parseLsn(text)!)).toBe(text);
  expect(parseLsn("0/3001188")! < parseLsn("1/0")!).toBe(true);
  expect(parseLsn("nope")).toBeUndefined();
  const session = new ReadSession();
  expect(session.token).toBeUndefined();
  session.observe(parseLsn("16/B374D848")!);
  session.observe(parseLsn("1/0")!); // positions only move forward
  expect(session.token).toBe("u1-16-B374D848");
  expect(formatLsn(parseConsistencyToken(session.token))).toBe("16/B374D848");
});
