import { QueryAnalyzer, type AnalysisReport } from "../analyzer";

/** Where the test helpers look for statements: one analyzer, a unitwork (`uw.analyzer`), or every live one. */
export type AnalyzerSource = QueryAnalyzer | { analyzer: QueryAnalyzer };

/** @internal */
export function resolveAnalyzers(source: AnalyzerSource | undefined): QueryAnalyzer[] {
  if (source) return [source instanceof QueryAnalyzer ? source : source.analyzer];
  const live = QueryAnalyzer.live;
  if (!live.length) throw new Error("no unitwork analyzer is alive: create one with createUnitwork() first, or pass { analyzer: uw }");
  return [...live];
}

/** Runs `fn` in one scope of every analyzer (nested) and returns its result with all their reports. @internal */
export async function inScopes<R>(analyzers: QueryAnalyzer[], name: string, fn: () => R | Promise<R>) {
  const reports: AnalysisReport[] = [];
  let run: () => Promise<R> = async () => fn();
  for (const analyzer of analyzers) {
    const inner = run;
    run = async () => {
      const { result, report } = await analyzer.scope(name, inner);
      reports.push(report);
      return result;
    };
  }
  const result = await run();
  return { result, reports };
}
