import express from "express";
import fc from "fast-check";
import type { Client } from "pg";
import { createServiceApp } from "../../examples/service";
import { FunctionEntity, FunctionLog, User } from "../../examples/domain";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { startTestServer, type TestServer } from "../http/http-test-server";
import type { TestUnitwork } from "../support/test-unitwork";
import { openHostileFixture, type HostileFixture } from "./hostile-fixture";
import {
  assertPrototypesClean,
  CANARY_ROWS,
  canaryRows,
  Counts,
  describeInput,
  forbiddenStatements,
  hostileJson,
  hostileString,
  params,
  PROTO_KEYS,
  prototypeSnapshot,
  SQL_KEYS,
  tablesMarker,
  toObject,
  WireCapture,
} from "./hostile";

/**
 * Hostile HTTP requests sent with the real `fetch`: JSON bodies and query strings to the example
 * service (`examples/service`) and to a small Express app whose handlers pass request values straight
 * into filters and writes. For every request: a 2xx or a typed 4xx (never a 500); a 400 sends no write
 * to the database; a 4xx leaves every table as it was; the canary survives; the prototypes stay clean.
 */
const RUNS = { serviceBody: 350, serviceQuery: 350, appBody: 250, appQuery: 250 };
const ALLOWED_STATUS = new Set([200, 201, 204, 400, 404, 409, 413, 415, 422, 431]);
/** Answered by Node's HTTP parser itself (a URL over its 16 KiB header limit), before the app: no JSON body. */
const NODE_STATUS = new Set([431]);

let oracle: Client;
let capture: WireCapture;
let service: TestServer;
let app: TestServer;
let owner: { uuid: string };
let fn: { uuid: string };
const counts = new Counts("hostile HTTP");
const prototypes = prototypeSnapshot();
const TABLES = ["users", "functions", "function_deployments", "function_logs", "function_invocations", "canary"];

/** The careless handlers: request values straight into filters and a write. */
function carelessApp(u: TestUnitwork): express.Express {
  const a = express();
  a.set("query parser", "extended"); // qs: ?name[ilike]=% becomes an object
  a.use(express.json());
  const fns = () => u.uw.repositories.create(FunctionEntity);
  a.post("/search", expressHandler(u.uw, async (req) => {
    const body = req.body as Record<string, unknown>;
    const found = await fns().findMany({ where: { name: body.name, status: body.status, userId: body.userId, runtime: body.runtime } as never, orderBy: body.sort as never, limit: 5 });
    const user = await u.uw.repositories.create(User).findFirst({ where: { email: body.email } as never });
    return { count: found.length, user: user?.email ?? null };
  }));
  a.get("/search", expressHandler(u.uw, async (req) => {
    const q = req.query as Record<string, unknown>;
    const found = await fns().findMany({ where: { name: q.name, status: q.status, runtime: q.runtime } as never, orderBy: q.sort as never, limit: q.limit === undefined ? 5 : Number(q.limit) });
    return { count: found.length };
  }, { readOnly: true }));
  a.post("/where", expressHandler(u.uw, async (req) => ({ count: await fns().count((req.body as { where?: unknown }).where as never) })));
  a.get("/page", expressHandler(u.uw, async (req) => {
    const q = req.query as Record<string, unknown>;
    return fns().paginateByCursor({ first: Number(q.first ?? 2), after: q.after as string, where: q.where as never, orderBy: q.sort as never });
  }, { readOnly: true }));
  a.post("/logs", expressHandler(u.uw, async (req) => {
    const body = req.body as Record<string, unknown>;
    const log = await u.uw.repositories.create(FunctionLog).create({ functionId: body.functionId ?? 1, level: body.level, message: body.message, metadata: body.metadata } as never);
    return { id: log.id };
  }));
  a.use(expressErrorHandler(u.uw));
  return a;
}

let fixture: HostileFixture | undefined;

beforeAll(async () => {
  fixture = await openHostileFixture(async (opened) => {
    service = await startTestServer(createServiceApp(opened.uw).listen(0, "127.0.0.1"));
    app = await startTestServer(carelessApp(opened).listen(0, "127.0.0.1"));
    owner = (await service.call("POST", "/users", { email: "owner@fuzz.example" })).body;
    fn = (await service.call("POST", "/functions", { ownerUuid: owner.uuid, name: "fuzzed", runtime: "node" })).body;
    await service.call("POST", `/functions/${fn.uuid}/deployments`, { imageTag: "v1" });
    await service.call("POST", `/functions/${fn.uuid}/logs`, { lines: [{ level: "info", message: "hello", metadata: { a: 1 } }] });
  });
  ({ oracle, capture } = fixture);
});

afterAll(async () => {
  counts.print();
  await app?.close();
  await service?.close();
  await fixture?.close();
});

// ------------------------------------------------------------------ one request

interface Request { method: string; path: string; body?: string; contentType?: string }

/** Rows whose text holds U+FFFD: what PostgreSQL makes of a lone surrogate sent to a text column. */
async function replacementChars(): Promise<number> {
  const { rows } = await oracle.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM users WHERE strpos(email || coalesce(password_hash, ''), chr(65533)) > 0)
      + (SELECT count(*) FROM functions WHERE strpos(name || runtime, chr(65533)) > 0)
      + (SELECT count(*) FROM function_deployments WHERE strpos(image_tag || coalesce(s3_key, ''), chr(65533)) > 0)
      + (SELECT count(*) FROM function_logs WHERE strpos(level || message, chr(65533)) > 0))::int AS n`,
  );
  return rows[0]!.n;
}

async function send(cls: string, server: TestServer, request: Request): Promise<void> {
  counts.tried(cls);
  const before = await tablesMarker(oracle, TABLES);
  const altered = await replacementChars();
  const { result, error, statements } = await capture.during(async () => {
    const response = await fetch(server.url + request.path, {
      method: request.method,
      headers: request.body === undefined ? {} : { "content-type": request.contentType ?? "application/json" },
      body: request.body,
    });
    const text = await response.text();
    return { status: response.status, text };
  });
  if (error) throw new Error(`${cls}: the request itself failed (${String(error)}) for ${describeInput(request)}`);
  const { status, text } = result!;
  if (!ALLOWED_STATUS.has(status)) throw new Error(`${cls}: HTTP ${status} ${text.slice(0, 300)} for ${describeInput(request)}`);
  for (const sql of statements) if (/canary/i.test(sql)) throw new Error(`${cls}: a statement names the canary: ${sql.slice(0, 300)}`);
  if (NODE_STATUS.has(status)) {
    expect(statements).toEqual([]);
    counts.refused(cls);
    return;
  }
  if (status >= 400) {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    expect(typeof body.error?.code).toBe("string");
    if (status === 400) {
      const bad = forbiddenStatements(statements);
      if (bad.length) throw new Error(`${cls}: a 400 (${text.slice(0, 200)}) sent ${bad.join(" | ").slice(0, 400)} for ${describeInput(request)}`);
    }
    const after = await tablesMarker(oracle, TABLES);
    if (after !== before) throw new Error(`${cls}: HTTP ${status} (${text.slice(0, 200)}) but the tables changed for ${describeInput(request)}`);
    counts.refused(cls);
  } else {
    // a lone surrogate in the body must be refused, not stored as U+FFFD
    if (!/\ufffd|\\ufffd/i.test(request.body ?? "") && (await replacementChars()) !== altered) {
      throw new Error(`${cls}: HTTP ${status}, and a text column now holds U+FFFD (a lone surrogate was stored altered) for ${describeInput(request)}`);
    }
    counts.answered(cls);
  }
}

// ------------------------------------------------------------------ generators

/** A JSON text for a value; lone surrogates become `\ud800` escapes, which JSON.parse turns back into them. */
const json = (value: unknown) => JSON.stringify(value) ?? "null";
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("email", "password", "role", "ownerUuid", "name", "runtime", "imageTag", "s3Key", "lines", "level", "message", "metadata", "status", "userId", "sort", "where", "functionId") }, { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, ...SQL_KEYS, "isAdmin", "id", "uuid", "version") }, { weight: 1, arbitrary: hostileString });
const value = fc.oneof(
  { weight: 3, arbitrary: hostileJson },
  { weight: 2, arbitrary: fc.constantFrom<unknown>({ ilike: "%" }, { ne: "" }, { in: ["a", "b"] }, { gt: "" }, { not: { eq: "x" } }, { isNull: false }, { like: "%\\" }, { __proto__: { ne: "" } }, { eq: { a: "\ud800" } }, "\ud800", "a\u0000b", "%\\", "x".repeat(10_000)) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>("fuzz@example.com", "Owner@Fuzz.Example", "owner@fuzz.example", "node", "active", "alpha", "v2", "info", "error", 1, 2, 1.5, -1, 2 ** 31, 1e308, true, null) },
);
const bodyObject = fc.array(fc.tuple(key, value), { maxLength: 5 }).map(toObject);
/** Raw body texts: JSON with `__proto__` keys, broken JSON, deep nesting, non-objects. */
const rawBody = fc.oneof(
  { weight: 6, arbitrary: bodyObject.map(json) },
  { weight: 2, arbitrary: fc.constantFrom('{"lines":[{"level":"info","message":"\\ud800"}]}', '{"lines":[{"level":"info","message":"m","metadata":{"\\udfff":1}}]}', '{"ownerUuid":"OWNER","name":"n\\ud800"}', '{"__proto__":{"isAdmin":true},"email":"p@fuzz.example"}', '{"constructor":{"prototype":{"polluted":1}}}', '{"email":"a@b.co","email":"c@d.co"}', "{ nope", "", "null", "[]", "[1,2]", '"str"', "1e999", "{\"email\":\"\\ud800@x.co\"}", "{\"email\":\"\\u0000@x.co\"}", '{"lines":' + "[".repeat(5_000) + "]".repeat(5_000) + "}", '{"a":' + "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_001), '{"lines":[' + Array(20_000).fill('{"level":"info","message":"m"}').join(",") + "]}") },
  { weight: 1, arbitrary: hostileString },
);
const withOwner = (body: string) => {
  body = body.replace("OWNER", owner.uuid);
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed) && !("ownerUuid" in parsed)) return JSON.stringify({ ownerUuid: owner.uuid, ...parsed });
  } catch { /* keep it broken */ }
  return body;
};
const lines = fc.array(fc.oneof({ weight: 3, arbitrary: fc.record({ level: fc.oneof(fc.constantFrom("info", "warn", "debug", "error"), value), message: fc.oneof(fc.constant("m"), value), metadata: fc.oneof(fc.constant(undefined), value) }, { requiredKeys: ["level", "message"] }) }, { weight: 1, arbitrary: value }), { maxLength: 4 });

const pathSegment = fc.oneof({ weight: 3, arbitrary: fc.constant("FN") }, { weight: 1, arbitrary: fc.constantFrom("00000000-0000-4000-8000-000000000000", "not-a-uuid", "%00", "%ZZ", "..", "%2e%2e", "1;drop table canary", "%C0%AF", "%ED%A0%80", "x".repeat(5_000), "__proto__", "constructor") });
const serviceBodyRequest = fc.oneof(
  rawBody.map((body) => ({ method: "POST", path: "/users", body })),
  rawBody.map((body) => ({ method: "POST", path: "/functions", body: withOwner(body) })),
  fc.tuple(pathSegment, rawBody).map(([seg, body]) => ({ method: "POST", path: `/functions/${seg}/deployments`, body })),
  fc.tuple(pathSegment, fc.oneof(lines.map((l) => json({ lines: l })), rawBody)).map(([seg, body]) => ({ method: "POST", path: `/functions/${seg}/logs`, body })),
  fc.tuple(fc.constantFrom("/users", "/functions"), fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/json; charset=latin1"), rawBody).map(([path, contentType, body]) => ({ method: "POST", path, body, contentType })),
  fc.tuple(fc.constantFrom("/users/", "/functions/", "/functions/"), pathSegment, fc.constantFrom("", "/stats")).map(([p, seg, tail]) => ({ method: "GET", path: p + seg + (p === "/users/" ? "" : tail) })),
);

// query strings
const enc = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return s.replace(/[\ud800-\udfff]/g, "%ED%A0%80"); // a lone surrogate, as raw (invalid) UTF-8
  }
};
const queryKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("filter[status]", "filter[name]", "filter[name][like]", "filter[runtime][in]", "filter[createdAt][gte]", "filter[name][contains]", "filter[status][ne]", "sort", "page", "pageSize") },
  { weight: 2, arbitrary: fc.constantFrom("filter[userId]", "filter[name]]", "filter.name", "filter[__proto__][polluted]", "__proto__[polluted]", "constructor[prototype][polluted]", "filter[name][regex]", "filter", "filter[]", "page[]", "sort[]", "filter[user][email]", "filter[name][like][x]", "limit", "after", "name", "status", "runtime", "name[ilike]", "name[ne]", "status[in][]", "sort[name]", "where[name]", "where[__proto__][x]", "first", "limit", "name[__proto__][ne]") },
  { weight: 1, arbitrary: hostileString },
);
const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("active", "node", "alpha", "fuzzed", "1", "2", "0", "-1", "100", "101", "2025-01-01", "-createdAt", "name", "runtime", "%", "%\\", "\\", "a,b", "", "NaN", "1e3", "9".repeat(40), "x".repeat(3_000)) },
  { weight: 2, arbitrary: hostileString },
);
const rawPieces = fc.constantFrom("%", "%0", "%ZZ", "%00", "%ED%A0%80", "%C0%80", "%FF", "&&", "=", "==", "[", "]", "+", "#frag", ";");
const queryString = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&")) },
  { weight: 2, arbitrary: fc.array(fc.tuple(queryKey, fc.oneof(queryValue, rawPieces)), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k.replace(/[#?\s\ud800-\udfff]/g, "")}=${v}`).join("&")) },
  { weight: 1, arbitrary: fc.integer({ min: 990, max: 1_200 }).map((n) => Array.from({ length: n }, (_, i) => `p${i}=x`).join("&") + "&filter[status]=active") },
);

// ------------------------------------------------------------------ properties

const resolve = (request: { method: string; path: string; body?: string; contentType?: string }): Request => ({ ...request, path: request.path.replace("FN", fn.uuid) });

test(`example service, JSON bodies and paths: ${RUNS.serviceBody} hostile requests`, async () => {
  await fc.assert(fc.asyncProperty(serviceBodyRequest, (r) => send("serviceBody", service, resolve(r))), params(RUNS.serviceBody));
});

test(`example service, query strings: ${RUNS.serviceQuery} hostile GET /functions`, async () => {
  await fc.assert(fc.asyncProperty(queryString, (q) => send("serviceQuery", service, { method: "GET", path: `/functions?${q}` })), params(RUNS.serviceQuery));
});

test(`careless Express app, JSON bodies into filters and a write: ${RUNS.appBody} hostile requests`, async () => {
  const request = fc.oneof(
    rawBody.map((body) => ({ method: "POST", path: "/search", body })),
    fc.oneof(rawBody, fc.oneof(value, bodyObject).map((w) => json({ where: w }))).map((body) => ({ method: "POST", path: "/where", body })),
    rawBody.map((body) => ({ method: "POST", path: "/logs", body })),
  );
  await fc.assert(fc.asyncProperty(request, (r) => send("appBody", app, r)), params(RUNS.appBody));
});

test(`careless Express app, qs query strings into filters, sort, limit and cursors: ${RUNS.appQuery} hostile requests`, async () => {
  const cursorish = fc.oneof(fc.base64String({ maxLength: 80 }).map((s) => s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "")), hostileString);
  const request = fc.oneof(
    queryString.map((q) => ({ method: "GET", path: `/search?${q}` })),
    fc.tuple(queryString, cursorish).map(([q, c]) => ({ method: "GET", path: `/page?${q}&after=${enc(c)}` })),
  );
  await fc.assert(fc.asyncProperty(request, (r) => send("appQuery", app, r)), params(RUNS.appQuery));
});

test("after the run: the canary is untouched, the prototypes are clean", async () => {
  expect(await canaryRows(oracle)).toEqual(CANARY_ROWS.map((r) => [...r]));
  assertPrototypesClean(prototypes);
  expect(counts.total()).toBeGreaterThanOrEqual(Object.values(RUNS).reduce((a, b) => a + b, 0));
});
