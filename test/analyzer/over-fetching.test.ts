import { validate } from "class-validator";
import { QueryAnalysisError, type Finding, type Unitwork } from "../../src";
import { openBlogUnitwork, type BlogUnitwork } from "./blog-unitwork";
import { Article, Author, Comment, Post } from "./blog-schema";

let blog: BlogUnitwork;
let uw: Unitwork;

beforeAll(async () => {
  blog = await openBlogUnitwork("analyzer_over_fetching", { mode: "log", slowQueryMs: 60_000, overFetching: true });
  uw = blog.uw;
});
afterAll(() => blog?.close());

const posts = () => uw.repositories.create(Post);
const overFetched = (findings: Finding[]) => findings.filter((f) => f.kind === "over-fetching");
const HERE = /^test\/analyzer\/over-fetching\.test\.ts:\d+:\d+$/;

describe("a relation loaded and never read", () => {
  test("is a finding naming the entity, the relation, the read's call site and the fix", async () => {
    const { report } = await uw.analyzer.scope("titles", async () => {
      const list = await posts().findMany({ orderBy: "id", limit: 6, relations: { author: true } });
      return list.map((p) => p.title).length;
    });
    const [finding, ...more] = overFetched(report.findings);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ kind: "over-fetching", entity: "Post", relation: "author", count: 1 });
    expect(finding!.callSite).toMatch(HERE);
    expect(finding!.suggestion).toMatch(/^findMany loaded Post\.author \(6 Author rows for 6 Post rows\) and nothing read it before the scope ended: drop "author" from its `relations`\.$/);
    expect(finding!.sql).toMatch(/author/);
  });

  test("getById, paginate and loadRelations are watched too", async () => {
    const { report } = await uw.analyzer.scope("three reads", async () => {
      await posts().getById(1, { relations: { comments: true } });
      await posts().paginate({ page: 1, pageSize: 3, orderBy: "id", relations: { author: true } });
      const list = await posts().findMany({ orderBy: "id", limit: 2 });
      await posts().loadRelations(list, { comments: true });
    });
    const found = overFetched(report.findings).map((f) => [f.suggestion.split(" ")[0], `${f.entity}.${f.relation}`, HERE.test(f.callSite)]);
    expect(found).toEqual([["getById", "Post.comments", true], ["paginate", "Post.author", true], ["loadRelations", "Post.comments", true]]);
  });
});
