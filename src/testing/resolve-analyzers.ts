import { subscribe } from "node:diagnostics_channel";
import { ANALYZER_CHANNEL, QueryAnalyzer, type AnalysisReport } from "../analyzer";

/** Where the test helpers look for statements: one analyzer, or a unitwork (`uw.analyzer`). */
export type AnalyzerSource = QueryAnalyzer | {
  /** The analyzer to use (`uw.analyzer`). */
  analyzer: QueryAnalyzer;
};

// The analyzers created since this module was loaded, as the library announces them: test tooling's
// own list (the library keeps none), used when a helper is not told which analyzer to use.
const announced = new Set<QueryAnalyzer>();
subscribe(ANALYZER_CHANNEL, (message) => {
  const { event, analyzer } = message as { event: "created" | "disposed"; analyzer: QueryAnalyzer };
  if (event === "created") announced.add(analyzer);
  else announced.delete(analyzer);
});

/** @internal */
export function resolveAnalyzers(source: AnalyzerSource | undefined): QueryAnalyzer[] {
  if (source) return [source instanceof QueryAnalyzer ? source : source.analyzer];
  if (!announced.size) {
    throw new Error("no unitwork analyzer is known to unitwork/testing: import it before createUnitwork() runs, or pass { analyzer: uw }");
  }
  return [...announced];
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
