import type { PlanSummary } from "./analysis-report";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Alias?: string;
  Filter?: string;
  "Plan Rows"?: number;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Total Cost"?: number;
  "Sort Method"?: string;
  "Sort Space Used"?: number;
  "Sort Space Type"?: string;
  Plans?: PlanNode[];
}

/** A scan is large from this many rows read, and a filter selective when it keeps at most 10% of them. */
const LARGE_SCAN_ROWS = 10_000;
const SELECTIVE = 0.1;

/**
 * Reads an `EXPLAIN (FORMAT JSON)` result: sequential scans and the rows their filter threw away,
 * row-estimate errors of 10x or more, sorts that spilled to disk, and an index suggestion only for a
 * selective filter on a large sequential scan (never for a whole-table read or aggregate). @internal
 */
export function summarizePlan(explained: unknown, analyzed: boolean): PlanSummary {
  const root = (Array.isArray(explained) ? explained[0] : explained) as { Plan: PlanNode; "Execution Time"?: number };
  const summary: PlanSummary = {
    analyzed,
    totalCostEstimate: root.Plan["Total Cost"],
    executionMs: root["Execution Time"],
    sequentialScans: [],
    rowEstimateErrors: [],
    diskSorts: [],
    plan: explained,
  };
  const suggestions: string[] = [];
  const visit = (node: PlanNode) => {
    const loops = node["Actual Loops"] ?? 1;
    const actual = node["Actual Rows"] !== undefined ? node["Actual Rows"] * loops : undefined;
    if (node["Node Type"] === "Seq Scan" && node["Relation Name"]) {
      const removed = node["Rows Removed by Filter"] !== undefined ? node["Rows Removed by Filter"] * loops : undefined;
      summary.sequentialScans.push({ table: node["Relation Name"], filter: node.Filter, rowsReturned: actual, rowsRemovedByFilter: removed });
      if (analyzed && node.Filter && actual !== undefined && removed !== undefined) {
        const scanned = actual + removed;
        const columns = filterColumns(node.Filter);
        if (scanned >= LARGE_SCAN_ROWS && actual / scanned <= SELECTIVE && columns.length) {
          suggestions.push(`CREATE INDEX ON ${quoteIdent(node["Relation Name"])} (${columns.map(quoteIdent).join(", ")}); -- the filter ${node.Filter} kept ${actual} of ${scanned} rows`);
        }
      }
    }
    if (analyzed && node["Plan Rows"] !== undefined && actual !== undefined) {
      const estimated = node["Plan Rows"] * loops;
      const ratio = Math.max(estimated, 1) / Math.max(actual, 1);
      if ((ratio >= 10 || ratio <= 0.1) && Math.abs(estimated - actual) >= 100) {
        summary.rowEstimateErrors.push({ node: describe(node), estimated, actual });
      }
    }
    if (node["Sort Space Type"] === "Disk" || /external/i.test(node["Sort Method"] ?? "")) {
      summary.diskSorts.push({ node: describe(node), spaceKb: node["Sort Space Used"], method: node["Sort Method"] });
    }
    node.Plans?.forEach(visit);
  };
  visit(root.Plan);
  if (suggestions.length) summary.indexSuggestion = suggestions.join("\n");
  return summary;
}

function describe(node: PlanNode): string {
  return node["Relation Name"] ? `${node["Node Type"]} on ${node["Relation Name"]}` : node["Node Type"];
}

/** Columns compared in a plan's Filter text, e.g. `((email)::text = 'x'::text)` → `email`. */
function filterColumns(filter: string): string[] {
  const columns = new Set<string>();
  const pattern = /\(*"?([a-z_][a-z0-9_$]*)"?\)?(?:::[a-z_ ]+(?:\[\])?)?\s*(?:=|<>|<=|>=|<|>|~~\*?|IS\b|= ANY)/gi;
  for (const match of filter.matchAll(pattern)) {
    const name = match[1]!;
    if (!/^(and|or|not|null|true|false)$/i.test(name)) columns.add(name);
  }
  return [...columns];
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
