import { createServer, type AddressInfo } from "node:net";
import { Client } from "pg";
import { cancelBackendStatement } from "../../src/unit-of-work/cancel-backend-statement";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/** The protocol cancel request the deadline and AbortSignal send, against the real server. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("cancel-request");
});
afterAll(() => db.drop());

/** pg's Client keeps the server's BackendKeyData in these (untyped) fields. */
const keyOf = (client: Client) => client as unknown as { processID: number; secretKey: number };

async function sleeping(): Promise<{ client: Client; statement: Promise<unknown> }> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const statement = client.query("SELECT pg_sleep(30)").catch((error: unknown) => error);
  return { client, statement };
}

test("cancels the statement of the connection whose key it carries", async () => {
  const { client, statement } = await sleeping();
  const bystander = await sleeping();
  try {
    await cancelBackendStatement(client);
    expect(await statement).toMatchObject({ code: "57014" });
    expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]); // the connection goes on
    // the other connection's statement is still running
    const [row] = (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)' AND state = 'active'")).rows;
    expect(row.n).toBe(1);
  } finally {
    await cancelBackendStatement(bystander.client);
    expect(await bystander.statement).toMatchObject({ code: "57014" });
    await Promise.all([client.end(), bystander.client.end()]);
  }
});

test("with TLS configured it asks for TLS first; a server without TLS answers N and takes the plain request", async () => {
  const { client, statement } = await sleeping();
  try {
    await cancelBackendStatement({ processID: keyOf(client).processID, secretKey: keyOf(client).secretKey, host: "127.0.0.1", port: Number(new URL(db.url).port), ssl: { rejectUnauthorized: false } });
    expect(await statement).toMatchObject({ code: "57014" });
  } finally {
    await client.end();
  }
});

test("fails without a key, or when nothing listens", async () => {
  await expect(cancelBackendStatement({ processID: null, secretKey: null })).rejects.toThrow(/no cancel key/);
  const { client, statement } = await sleeping();
  try {
    const free = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    await expect(cancelBackendStatement({ processID: keyOf(client).processID, secretKey: 1, host: "127.0.0.1", port: free })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  } finally {
    await cancelBackendStatement(client);
    await statement;
    await client.end();
  }
});
