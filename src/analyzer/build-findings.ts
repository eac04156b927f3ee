import type { DataSource } from "typeorm";
import type { Finding, FindingKind } from "./analysis-report";
import type { StatementRecord } from "./analysis-scope";
import type { IgnoreRule, ResolvedAnalyzerOptions } from "./analyzer-options";
import { findContention, isContention } from "./contention-rule";
import { findDuplicates } from "./duplicate-rule";
import { findNPlusOne } from "./n-plus-one-rule";
import { explainStatement } from "./query-explainer";
import { entityOf, nPlusOneHint } from "./relation-hint";
import { formatFrame } from "./source-position";

/** Runs the three rules over a scope's statements and turns their groups into findings. @internal */
export async function buildFindings(dataSource: DataSource, records: readonly StatementRecord[], options: ResolvedAnalyzerOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const loops = findNPlusOne(records, options.nPlusOneThreshold);
  const inLoop = new Set<StatementRecord>();
  for (const group of loops) {
    group.records.forEach((r) => inLoop.add(r));
    const first = group.records[0]!;
    const earlier = new Set<string>();
    for (const r of records) {
      if (r === first) break;
      r.shape.tables.forEach((t) => earlier.add(t));
    }
    const hint = nPlusOneHint(dataSource, group, earlier);
    findings.push(finding("n+1", group.records, first, hint.suggestion, hint.entity, hint.relation));
  }
  for (const { records: repeated } of findDuplicates(records)) {
    // A duplicate inside an N+1 loop is fixed by fixing the loop: one finding is enough.
    if (repeated.every((r) => inLoop.has(r))) continue;
    const sample = repeated[1]!;
    const entity = sample.shape.mainTable ? entityOf(dataSource, sample.shape.mainTable)?.name : undefined;
    findings.push(
      finding(
        "duplicate",
        repeated,
        sample,
        `the same query${entity ? ` on ${entity}` : ""} ran ${repeated.length} times with the same parameters and no write to its tables in between: reuse the first result (pass the loaded ${entity ?? "rows"} along, or memoize it for the scope).`,
        entity,
      ),
    );
  }
  for (const group of slowGroups(records, options)) {
    const slowest = group.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
    const f = finding("slow", group, slowest, "", undefined);
    f.durationMs = slowest.durationMs;
    if (options.explainSlowQueries && slowest.shape.kind !== "other") {
      f.plan = await explainStatement(dataSource, slowest.sql, slowest.parameters, slowest.shape.kind === "select");
    }
    f.suggestion = slowSuggestion(f, options);
    findings.push(f);
  }
  findings.push(...findContention(dataSource, records, options.lockWaitMs));
  return findings.filter((f) => !options.ignore.some((rule) => matches(rule, f)));
}

/** Statements over `slowQueryMs`, except waits on a lock (contention: no plan or index makes a lock free sooner). */
function slowGroups(records: readonly StatementRecord[], options: ResolvedAnalyzerOptions): StatementRecord[][] {
  const groups = new Map<string, StatementRecord[]>();
  for (const r of records) {
    if (r.durationMs <= options.slowQueryMs || r.shape.kind === "control" || isContention(r, options.lockWaitMs)) continue;
    const key = `${r.shape.fingerprint}\0${r.stack?.key || "?"}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()];
}

function slowSuggestion(f: Finding, options: ResolvedAnalyzerOptions): string {
  const took = `took ${Math.round(f.durationMs)} ms (over ${options.slowQueryMs} ms)`;
  const plan = f.plan;
  if (!plan) return `${took}: set explainSlowQueries to get its plan, or run EXPLAIN (ANALYZE, BUFFERS) on it.`;
  if (plan.error) return `${took}; its plan could not be taken: ${plan.error}`;
  const parts: string[] = [];
  if (plan.indexSuggestion) parts.push(`add an index: ${plan.indexSuggestion}`);
  for (const scan of plan.sequentialScans) {
    parts.push(`sequential scan on ${scan.table}${scan.rowsRemovedByFilter !== undefined ? ` (filter removed ${scan.rowsRemovedByFilter} rows, kept ${scan.rowsReturned})` : ""}`);
  }
  for (const e of plan.rowEstimateErrors) parts.push(`${e.node}: estimated ${e.estimated} rows, got ${e.actual} (run ANALYZE on the table)`);
  for (const s of plan.diskSorts) parts.push(`${s.node} spilled to disk${s.spaceKb ? ` (${s.spaceKb} kB)` : ""}: raise work_mem or sort less`);
  if (!plan.indexSuggestion) parts.push("no index would help this plan; the time is spent elsewhere (locks, the amount of data read or returned, or the server's load)");
  return `${took}: ${parts.join("; ")}.`;
}

function finding(kind: FindingKind, records: StatementRecord[], sample: StatementRecord, suggestion: string, entity?: string, relation?: string): Finding {
  const frames = sample.stack?.frames ?? [];
  return {
    kind,
    fingerprint: sample.shape.fingerprint,
    count: records.length,
    callSite: frames[0] ? formatFrame(frames[0]) : "unknown",
    stack: frames.map(formatFrame),
    sql: sample.sql,
    parameters: sample.parameters,
    suggestion,
    ...(entity ? { entity } : {}),
    ...(relation ? { relation } : {}),
    durationMs: records.reduce((sum, r) => sum + r.durationMs, 0),
    server: sample.server,
  };
}

/** Whether an ignore rule drops the finding. @internal */
export function matches(rule: IgnoreRule, f: Finding): boolean {
  if (typeof rule === "string") return rule === f.fingerprint || f.stack.some((site) => site.includes(rule));
  if (rule instanceof RegExp) return rule.test(f.sql) || f.stack.some((site) => rule.test(site));
  if (rule.kind && rule.kind !== f.kind) return false;
  if (rule.fingerprint && rule.fingerprint !== f.fingerprint) return false;
  if (rule.sql && !rule.sql.test(f.sql)) return false;
  if (rule.callSite) {
    const site = rule.callSite;
    if (!f.stack.some((s) => (typeof site === "string" ? s.includes(site) : site.test(s)))) return false;
  }
  return true;
}
