import { dataSourceOptionsFromEnv, InvalidConfigError } from "../../src";

describe("dataSourceOptionsFromEnv", () => {
  test("DATABASE_URL wins, with pool and timeout variables", () => {
    const options = dataSourceOptionsFromEnv({
      DATABASE_URL: "postgres://app:secret@db.internal:6543/app",
      PGHOST: "ignored",
      DB_POOL_MIN: "2",
      DB_POOL_MAX: "25",
      DB_CONNECT_TIMEOUT_MS: "1500",
      DB_IDLE_TIMEOUT_MS: "9000",
      DB_STATEMENT_TIMEOUT_MS: "30000",
    });
    expect(options).toMatchObject({
      type: "postgres",
      url: "postgres://app:secret@db.internal:6543/app",
      poolSize: 25,
      connectTimeoutMS: 1500,
      extra: { min: 2, idleTimeoutMillis: 9000, statement_timeout: 30000 },
    });
    expect(options).not.toHaveProperty("host");
  });

  test("PG* variables, with defaults", () => {
    expect(dataSourceOptionsFromEnv({ PGHOST: "h", PGPORT: "5433", PGUSER: "u", PGPASSWORD: "p", PGDATABASE: "d" })).toMatchObject({
      host: "h", port: 5433, username: "u", password: "p", database: "d", poolSize: 10,
    });
    expect(dataSourceOptionsFromEnv({})).toMatchObject({ host: "localhost", port: 5432, username: "postgres", database: "postgres" });
  });

  test("DB_SSL", () => {
    expect(dataSourceOptionsFromEnv({ DB_SSL: "require" }).ssl).toBe(true);
    expect(dataSourceOptionsFromEnv({ DB_SSL: "no-verify" }).ssl).toEqual({ rejectUnauthorized: false });
    expect(dataSourceOptionsFromEnv({ DB_SSL: "false" }).ssl).toBe(false);
    expect(dataSourceOptionsFromEnv({})).not.toHaveProperty("ssl");
  });

  test.each([
    [{ DB_POOL_MAX: "ten" }, /DB_POOL_MAX must be an integer/],
    [{ DB_POOL_MAX: "0" }, /DB_POOL_MAX must be an integer >= 1/],
    [{ DB_POOL_MIN: "-1" }, /DB_POOL_MIN/],
    [{ DB_POOL_MIN: "20", DB_POOL_MAX: "5" }, /larger than DB_POOL_MAX/],
    [{ PGPORT: "54.3" }, /PGPORT/],
    [{ DB_CONNECT_TIMEOUT_MS: "1e3x" }, /DB_CONNECT_TIMEOUT_MS/],
    [{ DB_SSL: "maybe" }, /DB_SSL/],
    [{ DATABASE_URL: "not a url" }, /not a valid URL/],
    [{ DATABASE_URL: "mysql://x@y/z" }, /postgres:\/\//],
  ])("refuses %j with InvalidConfigError", (env, message) => {
    expect(() => dataSourceOptionsFromEnv(env)).toThrow(InvalidConfigError);
    expect(() => dataSourceOptionsFromEnv(env)).toThrow(message);
  });
});
