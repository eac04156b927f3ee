import section from "../../examples/demo/sections/20-repositories";
import type { Tour } from "../../examples/demo/tour-kit";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t.close());

test("the repositories section of the demo tour runs on its own data and prints what it read back", async () => {
  const lines: string[] = [];
  const tour: Tour = {
    uw: t.uw,
    url: t.db.url,
    heading: (title) => lines.push(`# ${title}`),
    say: (text) => lines.push(text),
    show: (label, value) => lines.push(`${label}: ${JSON.stringify(value)}`),
  };
  await section(tour);
  const text = lines.join("\n");
  expect(text).toContain('"total":8,"totalPages":3,"hasNext":true');
  expect(text).toContain("demo-fn-04 (dart) by demo-ada@tour.dev: 1 deployment(s)");
  expect(text).toContain("total counts functions, not joined deployment rows: 8 = 8");
  expect(text).toContain('["demo-fn-11","demo-fn-07","demo-fn-03"]');
  expect(text).toContain("paginateByCursor walked 12 functions in 3 pages of 5");
  expect(text).toContain('hostile filter refused before any SQL: unknown filter field "name; drop table users"');
});
