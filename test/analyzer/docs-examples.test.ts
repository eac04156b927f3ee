import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QueryAnalysisError, type Unitwork } from "../../src";
import { expectQueryBaseline } from "../../src/testing";
import { memoryLogger } from "../support/test-unitwork";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";
import { Article, Author, Post } from "./blog-schema";

/**
 * The examples of the sections "Statements TypeORM issues on its own", "Contention", "Query
 * baselines" and "Over-fetching" of docs/query-analyzer.md, run as written: each ```ts block of those sections is in this
 * file unchanged, and each ```text block is what this file prints (digits and fingerprints aside).
 */
let blog: BlogUnitwork;
let uw: Unitwork;
let logger: ReturnType<typeof memoryLogger>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_docs", { mode: "warn", slowQueryMs: 60_000 });
  uw = blog.uw;
  logger = blog.logger;
});
afterAll(() => blog?.close());

const page = readFileSync(join(__dirname, "../../docs/query-analyzer.md"), "utf8");
const SECTIONS = ["## Statements TypeORM issues on its own", "## Contention", "## Query baselines", "## Over-fetching"];
const sectionOf = (title: string) => page.slice(page.indexOf(title), page.indexOf("\n## ", page.indexOf(title) + 3));
const blocks = (lang: string) => SECTIONS.flatMap((s) => [...sectionOf(s).matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!));
const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("import "));
/** Digits, fingerprints and durations differ from run to run. */
const shape = (text: string) => text.replace(/\b[0-9a-f]{16}\b/g, "<fingerprint>").replace(/\d+/g, "N").replace(/\s+/g, " ").trim();
const printed: string[] = [];

test("every ts example of the sections is in this file, unchanged", () => {
  const here = lines(readFileSync(__filename, "utf8"));
  const ts = blocks("ts").map(lines);
  expect(ts.length).toBeGreaterThanOrEqual(3);
  expect(ts.filter((block) => !here.some((_, at) => block.every((line, i) => here[at + i] === line)))).toEqual([]);
});

test("a lazy relation awaited in a loop is reported at the line that awaited it", async () => {
  logger.entries.length = 0;
  const labels: string[] = [];
  await uw.analyzer.scope("articles", async () => {
    const articles = await uw.dataSource.manager.find(Article, { order: { id: "ASC" }, take: 5 });
    for (const article of articles) {
      const category = await article.category; // one SELECT per article, issued by TypeORM's RelationLoader
      labels.push(`${category.name}: ${article.title}`);
    }
  });
  printed.push(...logger.entries.filter((e) => e.level === "warn").map((e) => String(e.msg)));
  expect(printed.at(-1)).toMatch(/^query analyzer: n\+1 \(x5\) at test\/analyzer\/docs-examples\.test\.ts:\d+:\d+: /);
});

test("a unit of work that waited on a lock is reported with the unit of work that held it", async () => {
  logger.entries.length = 0;
  let locked!: () => void;
  const rowLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = uw.unitOfWork.run(async (ctx) => {
    await ctx.manager.query(`UPDATE author SET name = name WHERE id = $1`, [1]);
    locked();
    await sleep(600); // slow work while the row stays locked
  }, { name: "rename author" });
  await rowLocked;
  await uw.unitOfWork.run((ctx) => ctx.manager.update(Author, 1, { name: "Ada" }), { name: "update author" });
  await holder;
  const warned = logger.entries.filter((e) => e.level === "warn");
  expect(warned).toHaveLength(1);
  printed.push(String(warned[0]!.msg));
  const { lock, blocker } = warned[0]!.obj as { lock: object; blocker: object };
  printed.push(JSON.stringify({ lock, blocker }, null, 2));
  expect(lock).toMatchObject({ relation: "author", mode: "ShareLock", lockType: "transactionid" });
  expect(blocker).toMatchObject({ unitOfWork: "rename author" });
});

async function loadFeed(uw: Unitwork) {
  const posts = await uw.repositories.create(Post).findMany({ orderBy: "id", limit: 5 });
  return uw.repositories.create(Post).loadRelations(posts, { author: true });
}

async function loadFeedOneByOne(uw: Unitwork) {
  const posts = await uw.repositories.create(Post).findMany({ orderBy: "id", limit: 5 });
  for (const post of posts) post.author = (await uw.repositories.create(Author).getById(post.authorId))!;
  return posts;
}

test("the feed's statements do not grow", async () => {
  const feed = await expectQueryBaseline("feed", () => loadFeed(uw));
  expect(feed).toHaveLength(5);
});

test("a change that loads authors one by one fails the committed baseline with a diff", async () => {
  const error = await expectQueryBaseline("feed", () => loadFeedOneByOne(uw)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryAnalysisError);
  printed.push((error as Error).message);
});

test("a relation loaded and never read is reported at the read that loaded it", async () => {
  logger.entries.length = 0;
  uw.analyzer.configure({ overFetching: true });
  try {
    const { result: titles } = await uw.analyzer.scope("post titles", async () => {
      const posts = await uw.repositories.create(Post).findMany({ orderBy: "id", limit: 5, relations: { author: true } });
      return posts.map((post) => post.title); // nothing reads post.author
    });
    expect(titles).toHaveLength(5);
  } finally {
    uw.analyzer.configure({ overFetching: false });
  }
  const warned = logger.entries.filter((e) => e.level === "warn");
  expect(warned).toHaveLength(1);
  printed.push(String(warned[0]!.msg));
  expect(warned[0]!.obj).toMatchObject({ kind: "over-fetching", entity: "Post", relation: "author" });
});

test("every text block of the sections is what the examples printed", () => {
  if (process.env.PRINT_DOCS) console.log(printed.join("\n-----\n"));
  const texts = blocks("text").map(shape);
  expect(texts.length).toBe(5);
  expect(texts).toEqual(printed.map(shape));
});
