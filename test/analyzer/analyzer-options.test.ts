import { DataSource } from "typeorm";
import { domainEntities } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, InvalidConfigError } from "../../src";
import { defaultMode } from "../../src/analyzer/analyzer-options";
import { memoryLogger, openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork({ analyzer: undefined })));
afterAll(() => t.close());

test("the default mode is log, and off when NODE_ENV is production", () => {
  expect(defaultMode({ NODE_ENV: "production" })).toBe("off");
  expect(defaultMode({ NODE_ENV: "test" })).toBe("log");
  expect(defaultMode({})).toBe("log");
  expect(t.uw.analyzer.options.mode).toBe("log"); // jest sets NODE_ENV=test
});

test.each([
  [{ mode: "loud" }, /analyzer mode/],
  [{ slowQueryMs: -1 }, /slowQueryMs/],
  [{ nPlusOneThreshold: 1 }, /nPlusOneThreshold/],
])("createUnitwork refuses analyzer options %j with InvalidConfigError", async (analyzer, message) => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: domainEntities });
  const attempt = createUnitwork({ dataSource, logger: memoryLogger(), analyzer: analyzer as never });
  await expect(attempt).rejects.toBeInstanceOf(InvalidConfigError);
  await expect(attempt).rejects.toThrow(message);
  expect(dataSource.isInitialized).toBe(false); // refused before any connection was opened
});
