import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import { refuseUnknownOptions } from "../config";
import { InvalidConfigError } from "../errors";

/** `createUnitwork({ telemetry })`: what unitwork reports through `@opentelemetry/api`. */
export interface TelemetryOptions {
  /**
   * One span per statement under its unit of work's span (default `true`). `false` keeps only the
   * unit-of-work spans, for applications that already trace statements with
   * `@opentelemetry/instrumentation-pg`.
   */
  statements?: boolean;
  /**
   * Whether statement spans carry the application's call site (`code.file.path`, `code.line.number`,
   * `code.column.number`). By default they do while the query analyzer takes call sites anyway (its
   * `log`, `warn` and `throw` modes: the default outside production), at no extra cost. `true` takes
   * them also with the analyzer off, at a stack capture per repository or EntityManager call (about
   * 10 µs each: a 10-20% larger CPU share of a short transaction); `false` never adds them.
   *
   * @example
   * // production, analyzer off: call sites on the spans all the same
   * await createUnitwork({ dataSource, analyzer: { mode: "off" }, telemetry: { callSites: true } });
   */
  callSites?: boolean;
  /**
   * sqlcommenter: append `/*traceparent='…',route='…'*\/` to each statement of a traced unit of work
   * as it is sent, so that `pg_stat_statements` and the server's logs lead back to the trace. Default
   * `false`. The analyzer and the spans see the statement without it.
   */
  sqlCommenter?: boolean;
  /** The tracer provider to use instead of the global one (`trace.setGlobalTracerProvider`). */
  tracerProvider?: TracerProvider;
  /** The meter provider to use instead of the global one (`metrics.setGlobalMeterProvider`). */
  meterProvider?: MeterProvider;
}

/** The keys of `TelemetryOptions`, for refusing misspelt ones. @internal */
export const TELEMETRY_OPTION_KEYS: readonly (keyof TelemetryOptions)[] = ["statements", "callSites", "sqlCommenter", "tracerProvider", "meterProvider"];

/** `InvalidConfigError` for telemetry options no instance can run with. @internal */
export function checkTelemetryOptions(options: TelemetryOptions | undefined): void {
  refuseUnknownOptions(options, TELEMETRY_OPTION_KEYS, "telemetry");
  for (const key of ["statements", "callSites", "sqlCommenter"] as const) {
    const value = options?.[key];
    if (value !== undefined && typeof value !== "boolean") throw new InvalidConfigError(`telemetry.${key} must be a boolean, got ${typeof value}`);
  }
}
