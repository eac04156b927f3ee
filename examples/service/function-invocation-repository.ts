import { AsyncBaseRepository } from "../../src";
import type { FunctionInvocation } from "../domain";

/** Invocation metrics of one function, aggregated by the database. */
export interface InvocationStats {
  invocations: number;
  byStatus: { success: number; error: number; timeout: number };
  coldStarts: number;
  durationMs: { avg: number | null; p50: number | null; p95: number | null; max: number | null };
  firstInvokedAt: string | null;
  lastInvokedAt: string | null;
}

interface StatsRow {
  invocations: string;
  success: string;
  error: string;
  timeout: string;
  cold_starts: string;
  avg_ms: string | null;
  p50_ms: string | null;
  p95_ms: string | null;
  max_ms: number | null;
  first_at: Date | null;
  last_at: Date | null;
}

/** A custom repository (registered with `uw.repositories.register`): one aggregate query for the stats. */
export class FunctionInvocationRepository extends AsyncBaseRepository<FunctionInvocation> {
  async statsFor(functionId: number): Promise<InvocationStats> {
    const qb = this.query("i")
      .select("count(*)", "invocations")
      .addSelect("count(*) FILTER (WHERE i.status = 'success')", "success")
      .addSelect("count(*) FILTER (WHERE i.status = 'error')", "error")
      .addSelect("count(*) FILTER (WHERE i.status = 'timeout')", "timeout")
      .addSelect("count(*) FILTER (WHERE i.cold_start)", "cold_starts")
      .addSelect("avg(i.duration_ms)", "avg_ms")
      .addSelect("percentile_cont(0.5) WITHIN GROUP (ORDER BY i.duration_ms)", "p50_ms")
      .addSelect("percentile_cont(0.95) WITHIN GROUP (ORDER BY i.duration_ms)", "p95_ms")
      .addSelect("max(i.duration_ms)", "max_ms")
      .addSelect("min(i.invoked_at)", "first_at")
      .addSelect("max(i.invoked_at)", "last_at")
      .where("i.function_id = :functionId", { functionId });
    const row = (await this.execute(() => qb.getRawOne<StatsRow>()))!;
    const num = (value: string | number | null) => (value === null ? null : Math.round(Number(value) * 100) / 100);
    return {
      invocations: Number(row.invocations),
      byStatus: { success: Number(row.success), error: Number(row.error), timeout: Number(row.timeout) },
      coldStarts: Number(row.cold_starts),
      durationMs: { avg: num(row.avg_ms), p50: num(row.p50_ms), p95: num(row.p95_ms), max: num(row.max_ms) },
      firstInvokedAt: row.first_at ? new Date(row.first_at).toISOString() : null,
      lastInvokedAt: row.last_at ? new Date(row.last_at).toISOString() : null,
    };
  }
}
