import { QueryAnalysisError, type AnalysisReport } from "../analyzer";
import { baselineFileOf, checkBaseline, merged, type QueryBaselineOptions } from "./expect-query-baseline";
import { baselineOf, type QueryBaseline } from "./query-baseline";
import { resolveAnalyzers } from "./resolve-analyzers";

/**
 * The report of one HTTP request handled by the Express, Fastify or Koa adapter (or `withUnitOfWork`
 * named after its route): scope `"<METHOD> <route> <request id>"` (a request id has no spaces).
 */
const REQUEST_SCOPE = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) \S+$/;

/**
 * Per-route query baselines for HTTP tests: runs `fn` (which sends requests to an app that uses the
 * unitwork HTTP adapters), adds up the statements of the requests of each route (`GET /users/:id`)
 * and compares each route with its baseline `"route GET /users/:id"` in the test file's baseline file,
 * as `expectQueryBaseline` does (a new fingerprint or a grown count fails, with one diff per route;
 * `UNITWORK_UPDATE_BASELINES=1` rewrites). Routes the run did not reach are left as they are. Returns
 * what `fn` returned.
 *
 * @example
 * ```ts
 * import { expectRouteBaselines } from "unitwork/testing";
 *
 * test("the API's statements per route do not grow", async () => {
 *   await expectRouteBaselines(async () => {
 *     await fetch(`${url}/users/${id}`);
 *     await fetch(`${url}/feed`);
 *   });
 * });
 * ```
 */
export async function expectRouteBaselines<R>(fn: () => R | Promise<R>, options: QueryBaselineOptions = {}): Promise<R> {
  const path = baselineFileOf(options);
  const reports: AnalysisReport[] = [];
  const offs = resolveAnalyzers(options.analyzer).map((analyzer) => analyzer.onReport((report) => reports.push(report)));
  let result: R;
  try {
    result = await fn();
  } finally {
    offs.forEach((off) => off());
  }
  const byRoute = new Map<string, AnalysisReport[]>();
  for (const report of reports) {
    const match = REQUEST_SCOPE.exec(report.scope);
    if (!match) continue;
    const route = `route ${match[1]} ${match[2]}`;
    byRoute.set(route, [...(byRoute.get(route) ?? []), report]);
  }
  const failures: string[] = [];
  for (const [route, routeReports] of [...byRoute].sort(([a], [b]) => a.localeCompare(b))) {
    const actual: QueryBaseline = { ...baselineOf(routeReports), queryCount: routeReports.reduce((sum, r) => sum + r.queryCount, 0) };
    const failure = checkBaseline(path, route, actual, routeReports, options);
    if (failure) failures.push(failure);
  }
  if (failures.length) throw new QueryAnalysisError(merged(reports), failures.join("\n"));
  return result;
}
