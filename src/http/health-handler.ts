import type { HealthOptions, HealthReport, Unitwork } from "../bootstrap";

/** Options of each adapter's `healthHandler`. */
export interface HealthHandlerOptions {
  /**
   * Include the pool, the server version and `health({ details: true })` in the body (long-running
   * transactions with their SQL, lock waits, sizes). Default `false`: `{ ok, latencyMs }` only, as a
   * health endpoint is often reachable from outside.
   */
  details?: boolean;
  /** `longTransactionMs` of the details. */
  longTransactionMs?: number;
}

/** The status and body a health endpoint answers: 200 when the database answers, else 503. @internal */
export async function healthResponse(uw: Pick<Unitwork, "health">, options: HealthHandlerOptions = {}): Promise<{ status: number; body: Partial<HealthReport>; headers: Record<string, string> }> {
  const health: HealthOptions = options.details ? { details: true, longTransactionMs: options.longTransactionMs } : {};
  const report = await uw.health(health);
  const body: Partial<HealthReport> = options.details ? report : { ok: report.ok, latencyMs: report.latencyMs };
  return { status: report.ok ? 200 : 503, body, headers: { "Cache-Control": "no-store" } };
}
