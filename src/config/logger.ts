import pino from "pino";

/**
 * The logger shape unitwork writes to (`createUnitwork({ logger })`): pino's, so pino, bunyan-style
 * and console wrappers fit. Each method takes a context object (or a message) and an optional message.
 */
export interface UnitworkLogger {
  /** Detail for debugging: a retried unit of work, a failed request. */
  debug(obj: object | string, msg?: string): void;
  /** Analyzer findings in `"log"` mode. */
  info(obj: object | string, msg?: string): void;
  /** Analyzer findings in `"warn"` mode. */
  warn(obj: object | string, msg?: string): void;
  /** Failures unitwork cannot throw to a caller (a failing `onReport` listener, an unexpected error in an HTTP adapter). */
  error(obj: object | string, msg?: string): void;
}

/** A pino logger named `unitwork`, level from `UNITWORK_LOG_LEVEL` (default `info`). @internal */
export function defaultLogger(): UnitworkLogger {
  return pino({ name: "unitwork", level: process.env.UNITWORK_LOG_LEVEL ?? "info" });
}
