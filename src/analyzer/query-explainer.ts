import type { DataSource } from "typeorm";
import type { PlanSummary } from "./analysis-report";
import { summarizePlan } from "./plan-summary";

/**
 * Takes the plan of one statement on a connection of its own (never the application's transaction):
 * reads with `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` inside `BEGIN READ ONLY … ROLLBACK`, writes
 * with plain `EXPLAIN (FORMAT JSON)` (not executed). A failure is reported in `error`. @internal
 */
export async function explainStatement(dataSource: DataSource, sql: string, parameters: readonly unknown[], read: boolean): Promise<PlanSummary> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query("BEGIN READ ONLY");
    try {
      const options = read ? "ANALYZE, BUFFERS, FORMAT JSON" : "FORMAT JSON";
      const rows: { "QUERY PLAN": unknown }[] = await runner.query(`EXPLAIN (${options}) ${sql}`, [...parameters]);
      return summarizePlan(rows[0]!["QUERY PLAN"], read);
    } finally {
      await runner.query("ROLLBACK");
    }
  } catch (error) {
    return { analyzed: false, sequentialScans: [], rowEstimateErrors: [], diskSorts: [], error: error instanceof Error ? error.message : String(error) };
  } finally {
    await runner.release();
  }
}
