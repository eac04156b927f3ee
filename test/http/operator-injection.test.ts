import express from "express";
import Fastify from "fastify";
import type { Server } from "node:http";
import { User } from "../../examples/domain";
import { InvalidQueryError, untrusted } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { fastifyErrorHandler, fastifyHandler } from "../../src/http/fastify";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { startTestServer, type TestServer } from "./http-test-server";

// The Sequelize/Prisma operator-injection class: code that passes a request value where a scalar is
// expected (`where: { email: body.email }`) must not let the client send an operator or a nested
// filter instead. Request bodies and query objects are marked untrusted by the adapters, and a filter
// takes their objects as values only.

let t: TestUnitwork;
const servers: TestServer[] = [];
beforeAll(async () => {
  t = await openTestUnitwork();
  const users = t.uw.repositories.create(User);
  await users.create({ email: "ada@acme.co", passwordHash: "reset-token-ada" });
  await users.create({ email: "bob@acme.co", passwordHash: "reset-token-bob" });
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await t?.close();
});

/** What a careless login / password-reset lookup does: the client's values straight into a filter. */
const lookup = (body: Record<string, unknown>) =>
  t.uw.repositories.create(User).findFirst({ where: { email: body.email, passwordHash: body.token } as never });

function expressApp(): Server {
  const app = express();
  app.set("query parser", "extended"); // qs: ?email[ilike]=% becomes an object
  app.use(express.json());
  app.post("/reset", expressHandler(t.uw, async (req) => ({ found: (await lookup(req.body))?.email ?? null })));
  app.get("/reset", expressHandler(t.uw, async (req) => ({ found: (await lookup(req.query))?.email ?? null })));
  app.use(expressErrorHandler(t.uw));
  return app.listen(0, "127.0.0.1");
}

async function fastifyApp(): Promise<Server> {
  const app = Fastify();
  app.setErrorHandler(fastifyErrorHandler(t.uw));
  app.post("/reset", fastifyHandler(t.uw, async (request) => ({ found: (await lookup(request.body as Record<string, unknown>))?.email ?? null })));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app.server;
}

// The advisories' payloads: an operator, or a nested filter, where a string is expected.
const PAYLOADS: Record<string, unknown>[] = [
  { email: { ilike: "%" }, token: { ilike: "%" } },
  { email: "ada@acme.co", token: { ne: "" } },
  { email: "ada@acme.co", token: { gt: "" } },
  { email: "ada@acme.co", token: { isNull: false } },
  { email: "ada@acme.co", token: { startsWith: "" } },
  { email: "ada@acme.co", token: { in: ["reset-token-ada", "reset-token-bob"] } },
  { email: { not: { eq: "nobody" } }, token: { like: "%" } },
  JSON.parse('{"email":"ada@acme.co","token":{"__proto__":{"ne":""},"ne":""}}') as Record<string, unknown>,
];

describe.each([
  ["express", async () => startTestServer(expressApp())],
  ["fastify", async () => startTestServer(await fastifyApp())],
])("%s: operators in a JSON body are refused with 400", (_name, start) => {
  let api: TestServer;
  beforeAll(async () => {
    api = await start();
    servers.push(api);
  });

  test.each(PAYLOADS.map((p) => [JSON.stringify(p), p]))("%s", async (_label, payload) => {
    const res = await api.call("POST", "/reset", payload);
    expect(res.status).toBe(400);
    // (Fastify refuses a "__proto__" key in JSON itself, before the handler)
    expect(["INVALID_QUERY", "FST_ERR_CTP_INVALID_JSON_BODY"]).toContain(res.body.error.code);
    expect(res.body.found).toBeUndefined(); // no user in the answer
  });

  test("scalar values still work", async () => {
    expect((await api.call("POST", "/reset", { email: "ada@acme.co", token: "reset-token-ada" })).body).toEqual({ found: "ada@acme.co" });
    expect((await api.call("POST", "/reset", { email: "ada@acme.co", token: "wrong" })).body).toEqual({ found: null });
  });
});

test("express with the extended query parser: ?token[ne]= is refused too", async () => {
  const api = await startTestServer(expressApp());
  servers.push(api);
  const res = await api.call("GET", "/reset?email=ada%40acme.co&token[ne]=");
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe("INVALID_QUERY");
  expect((await api.call("GET", "/reset?email=ada%40acme.co&token=reset-token-ada")).body).toEqual({ found: "ada@acme.co" });
});

test("untrusted() marks input from any other source; explicit { eq } is the documented safe form", async () => {
  const users = t.uw.repositories.create(User);
  const message = untrusted(JSON.parse('{"email":{"ilike":"%"},"nested":{"user":{"email":"x"}}}') as Record<string, unknown>);
  await expect(users.findFirst({ where: { email: message.email } as never })).rejects.toThrow(/an object from untrusted input cannot be filter structure/);
  await expect(users.findMany({ where: message as never })).rejects.toBeInstanceOf(InvalidQueryError);
  // `{ eq: value }` takes a value only: an object there is refused whether marked or not
  await expect(users.findFirst({ where: { email: { eq: { ilike: "%" } as never } } })).rejects.toThrow(/expects a string/);
  // arrays from untrusted input are values (an `in` list of scalars), not structure
  const ids = untrusted(["ada@acme.co"]);
  expect((await users.findMany({ where: { email: { in: ids } } })).map((u) => u.email)).toEqual(["ada@acme.co"]);
  // a frozen wrapper cannot carry the mark, but what it holds is still marked (it was skipped before)
  const frozen = Object.freeze({ email: { ilike: "%" } });
  untrusted(frozen);
  await expect(users.findFirst({ where: { email: frozen.email } as never })).rejects.toThrow(/an object from untrusted input cannot be filter structure/);
  // trusted code keeps the operator shorthand
  expect(await users.count({ email: { ilike: "%@acme.co" } })).toBe(2);
});
