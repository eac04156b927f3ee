import "reflect-metadata";
import { createServer } from "node:net";
import { Column, DataSource, Entity } from "typeorm";
import { ConnectionError, createUnitwork, dataSourceOptionsFromEnv, InvalidConfigError } from "../../src";
import { User } from "../../examples/domain";
import { serverUrl } from "../support/test-database";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

// What a new user meets when the connection settings are wrong or an option is misspelt: a typed
// error that says what to check, before anything else happens.

function dataSourceFor(url: URL, extra: Record<string, string> = {}): DataSource {
  return new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url.toString(), DB_CONNECT_TIMEOUT_MS: "3000", ...extra }), entities: [User] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const failureOf = (dataSource: DataSource) => createUnitwork({ dataSource }).catch((error: unknown) => error);

test("a refused port is a ConnectionError naming the host and port to check", async () => {
  const url = new URL(serverUrl());
  url.hostname = "127.0.0.1";
  url.port = String(await freePort());
  const failed = await failureOf(dataSourceFor(url));
  expect(failed).toBeInstanceOf(ConnectionError);
  expect((failed as ConnectionError).message).toBe(`cannot connect to PostgreSQL at 127.0.0.1:${url.port}: the connection was refused (is the server running, and listening on that port?)`);
  expect((failed as ConnectionError).setting).toMatch(/^the host and port \(DATABASE_URL.*PGHOST\/PGPORT\)$/);
  expect((failed as ConnectionError).cause).toMatchObject({ code: "ECONNREFUSED" });
});

test("an unknown host is a ConnectionError naming the host", async () => {
  const url = new URL(serverUrl());
  url.hostname = "no-such-host.invalid";
  const failed = await failureOf(dataSourceFor(url));
  expect(failed).toBeInstanceOf(ConnectionError);
  expect((failed as Error).message).toMatch(/no-such-host\.invalid/);
  expect((failed as ConnectionError).setting).toMatch(/host/);
});

test("an unknown user is a ConnectionError naming the credentials", async () => {
  const url = new URL(serverUrl());
  url.username = "no_such_role";
  url.password = "wrong";
  const failed = await failureOf(dataSourceFor(url));
  expect(failed).toBeInstanceOf(ConnectionError);
  expect((failed as Error).message).toMatch(/refused the credentials of user "no_such_role"/);
  expect((failed as ConnectionError).setting).toMatch(/user and password/);
});

test("a missing database is a ConnectionError naming the database", async () => {
  const url = new URL(serverUrl());
  url.pathname = "/no_such_database_here";
  const failed = await failureOf(dataSourceFor(url));
  expect(failed).toBeInstanceOf(ConnectionError);
  expect((failed as Error).message).toMatch(/has no database "no_such_database_here"/);
  expect((failed as ConnectionError).setting).toMatch(/database name/);
});

test("a DataSource TypeORM cannot build is an InvalidConfigError with TypeORM's reason", async () => {
  @Entity("no_key")
  class NoKey {
    @Column("text") name!: string;
  }
  const failed = await failureOf(new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: serverUrl() }), entities: [NoKey] }));
  expect(failed).toBeInstanceOf(InvalidConfigError);
  expect((failed as Error).message).toMatch(/^the DataSource could not be initialized: .*NoKey/);
  expect(((failed as Error).cause as Error).name).toBe("MissingPrimaryColumnError");
});

describe("misspelt options are refused, with the closest known one", () => {
  let t: TestUnitwork;
  beforeAll(async () => (t = await openTestUnitwork()));
  afterAll(() => t.close());

  test("createUnitwork", async () => {
    const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: [User] });
    const failed = await createUnitwork({ dataSource, stirct: true } as never).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(InvalidConfigError);
    expect((failed as Error).message).toMatch(/^unknown createUnitwork option "stirct"; did you mean "strict"\?/);
    expect(dataSource.isInitialized).toBe(false); // refused before connecting
    await expect(createUnitwork({ dataSource, analyzer: { slowQueryMS: 5 } } as never)).rejects.toThrow(/unknown analyzer option "slowQueryMS"; did you mean "slowQueryMs"\?/);
    await expect(createUnitwork({ dataSource, defaults: { isolaton: "SERIALIZABLE" } } as never)).rejects.toThrow(/unknown defaults option "isolaton"; did you mean "isolation"\?/);
    await expect(createUnitwork({ dataSource, repositories: { maxPagesize: 5 } } as never)).rejects.toThrow(/unknown repositories option "maxPagesize"/);
    await expect(createUnitwork({} as never)).rejects.toThrow(/createUnitwork needs \{ dataSource \}/);
  });

  test("repository settings that cannot be used are refused before connecting, naming the setting", async () => {
    const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: [User] });
    const refused: [object, RegExp][] = [
      [{ maxPageSize: 0 }, /repositories\.maxPageSize must be an integer >= 1, got 0/],
      [{ maxPageSize: 2.5 }, /repositories\.maxPageSize must be an integer >= 1, got 2\.5/],
      [{ maxOffset: -1 }, /repositories\.maxOffset must be an integer >= 0, got -1/],
      [{ maxOffset: "100" }, /repositories\.maxOffset must be an integer >= 0, got 100/],
      [{ validate: "no" }, /repositories\.validate must be true or false, got "no"/],
      [{ preparedStatements: 1 }, /repositories\.preparedStatements must be true or false, got 1/],
      [{ cursorSecret: "" }, /repositories\.cursorSecret must be a non-empty string or Buffer/],
      [{ cursorSecret: 42 }, /repositories\.cursorSecret must be a non-empty string or Buffer/],
    ];
    for (const [repositories, message] of refused) {
      const failed = await createUnitwork({ dataSource, repositories } as never).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(InvalidConfigError);
      expect((failed as Error).message).toMatch(message);
    }
    expect(dataSource.isInitialized).toBe(false);
  });

  test("run and its retry options", async () => {
    let ran = false;
    const work = async () => {
      ran = true;
    };
    await expect(t.uw.unitOfWork.run(work, { isolaton: "SERIALIZABLE" } as never)).rejects.toThrow(/unknown unit of work option "isolaton"; did you mean "isolation"\?/);
    await expect(t.uw.unitOfWork.run(work, { retry: { attemps: 3 } } as never)).rejects.toThrow(InvalidConfigError);
    await expect(t.uw.unitOfWork.run(work, { retry: { attempts: 3, baseDelay: 5 } } as never)).rejects.toThrow(/unknown retry option "baseDelay"; did you mean "baseDelayMs"\?/);
    expect(ran).toBe(false);
    // undefined values (object spreads) pass
    await t.uw.unitOfWork.run(work, { isolation: undefined, name: undefined });
    expect(ran).toBe(true);
  });
});
