import { QueryAnalysisError } from "../analyzer";
import { inScopes, resolveAnalyzers, type AnalyzerSource } from "./resolve-analyzers";

/** The bounds of {@link expectQueryCount} (at least one of `max`, `min`, `exact`) and where to count. */
export interface QueryCountExpectation {
  /** At most this many statements (transaction control not counted). */
  max?: number;
  /** At least this many. */
  min?: number;
  /** Exactly this many. */
  exact?: number;
  /** The analyzer (or unitwork) to count on; by default every live one. */
  analyzer?: AnalyzerSource;
}

/**
 * Runs `fn` in an analyzer scope and throws `QueryAnalysisError` (listing the statements) when the
 * number of statements it ran is outside the bounds. BEGIN/COMMIT/SAVEPOINT are not counted.
 * Returns what `fn` returned.
 *
 * @example
 * ```ts
 * import { expectQueryCount } from "unitwork/testing";
 *
 * const functions = uw.repositories.create(FunctionEntity);
 * await expectQueryCount(() => functions.findMany({ relations: { user: true }, limit: 20 }), { max: 2 });
 * ```
 */
export async function expectQueryCount<R>(fn: () => R | Promise<R>, expectation: QueryCountExpectation): Promise<R> {
  const { max, min, exact } = expectation;
  if (max === undefined && min === undefined && exact === undefined) throw new TypeError("expectQueryCount needs max, min or exact");
  const { result, reports } = await inScopes(resolveAnalyzers(expectation.analyzer), "expectQueryCount", fn);
  const count = reports.reduce((sum, r) => sum + r.queryCount, 0);
  const broken = (exact !== undefined && count !== exact) || (max !== undefined && count > max) || (min !== undefined && count < min);
  if (broken) {
    const bound = exact !== undefined ? `exactly ${exact}` : [min !== undefined ? `at least ${min}` : "", max !== undefined ? `at most ${max}` : ""].filter(Boolean).join(" and ");
    const queries = reports.flatMap((r) => r.queries);
    throw new QueryAnalysisError(
      { scope: "expectQueryCount", queryCount: count, totalDurationMs: reports.reduce((s, r) => s + r.totalDurationMs, 0), queries, findings: reports.flatMap((r) => r.findings) },
      `expected ${bound} statements, ran ${count}:\n${queries.map((q, i) => `  ${i + 1}. ${q.callSite ?? "?"}  ${q.sql.slice(0, 160)}`).join("\n")}`,
    );
  }
  return result;
}
