import { QueryAnalysisError } from "../analyzer";
import { inScopes, resolveAnalyzers, type AnalyzerSource } from "./resolve-analyzers";

/**
 * Runs `fn` in an analyzer scope and throws `QueryAnalysisError` (listing call sites and fixes)
 * when it issued an N+1. Returns what `fn` returned. Uses every unitwork alive in the process
 * unless `analyzer` names one (`{ analyzer: uw }`).
 *
 * @example
 * ```ts
 * import { expectNoNPlusOne } from "unitwork/testing";
 *
 * test("the function list loads deployments in one query", async () => {
 *   const functions = uw.repositories.create(FunctionEntity);
 *   const list = await expectNoNPlusOne(async () => {
 *     const page = await functions.findMany({ limit: 20 });
 *     return functions.loadRelations(page, { deployments: true });
 *   }, { analyzer: uw });
 *   expect(list.length).toBeLessThanOrEqual(20);
 * });
 * ```
 */
export async function expectNoNPlusOne<R>(fn: () => R | Promise<R>, options: { analyzer?: AnalyzerSource } = {}): Promise<R> {
  const { result, reports } = await inScopes(resolveAnalyzers(options.analyzer), "expectNoNPlusOne", fn);
  for (const report of reports) {
    const loops = report.findings.filter((f) => f.kind === "n+1");
    if (loops.length) {
      throw new QueryAnalysisError(
        { ...report, findings: loops },
        `expected no N+1 queries, found ${loops.length}:\n${loops.map((f) => `  - ${f.count} statements at ${f.callSite}\n    ${f.sql.slice(0, 200)}\n    fix: ${f.suggestion}`).join("\n")}`,
      );
    }
  }
  return result;
}
