import express from "express";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueryAnalysisError, type Unitwork } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { expectRouteBaselines } from "../../src/testing";
import { startTestServer, type TestServer } from "../http/http-test-server";
import { Author, Post } from "./blog-schema";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";

let blog: BlogUnitwork;
let uw: Unitwork;
let server: TestServer;
let scratch: string;
/** What the feed route does: the committed version loads authors in one query; the regression, one by one. */
let feedLoadsAuthorsOneByOne = false;

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_routes", { mode: "log", slowQueryMs: 60_000 });
  uw = blog.uw;
  const app = express();
  app.get("/authors/:id", expressHandler(uw, (req, _res, scope) => scope.unitOfWork!.repository(Author).getById(Number(req.params.id))));
  app.get("/feed", expressHandler(uw, async (_req, _res, scope) => {
    const posts = scope.unitOfWork!.repository(Post);
    const page = await posts.findMany({ orderBy: "id", limit: 4 });
    if (!feedLoadsAuthorsOneByOne) return posts.loadRelations(page, { author: true });
    for (const post of page) post.author = (await scope.unitOfWork!.repository(Author).getById(post.authorId))!;
    return page;
  }));
  app.use(expressErrorHandler(uw));
  server = await startTestServer(createServer(app));
});
afterAll(async () => {
  await server?.close();
  await blog?.close();
});
// these tests record baselines into a scratch file: outside CI's "a missing baseline fails" rule
const savedCI = process.env.CI;
beforeAll(() => {
  delete process.env.CI;
});
afterAll(() => {
  if (savedCI !== undefined) process.env.CI = savedCI;
});
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "unitwork-routes-"));
  feedLoadsAuthorsOneByOne = false;
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

const requests = async () => {
  expect((await server.call("GET", "/authors/1")).status).toBe(200);
  expect((await server.call("GET", "/authors/2")).status).toBe(200);
  expect((await server.call("GET", "/feed")).status).toBe(200);
};

test("each route's statements are a baseline of their own, summed over its requests", async () => {
  const file = join(scratch, "routes.json");
  await expectRouteBaselines(requests, { analyzer: uw, file });
  const baselines = JSON.parse(readFileSync(file, "utf8")).baselines;
  expect(Object.keys(baselines)).toEqual(["route GET /authors/:id", "route GET /feed"]);
  expect(baselines["route GET /authors/:id"].queryCount).toBe(2);
  expect(baselines["route GET /feed"].queryCount).toBe(2);
  // the same requests pass
  await expectRouteBaselines(requests, { analyzer: uw, file });
});

test("a route that starts loading in a loop fails, naming the route and the new fingerprint", async () => {
  const file = join(scratch, "routes.json");
  await expectRouteBaselines(requests, { analyzer: uw, file });
  feedLoadsAuthorsOneByOne = true;
  const error = await expectRouteBaselines(requests, { analyzer: uw, file }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryAnalysisError);
  const message = (error as Error).message;
  expect(message).toMatch(/^query baseline "route GET \/feed" regressed \(2 → 5 statements;/);
  expect(message).toMatch(/\+ new {5}[0-9a-f]{16} {2}x4 {2}SELECT .*FROM "author"/);
  expect(message).not.toContain("route GET /authors/:id");
});
