import { InvalidConfigError } from "../errors";
import { refuseUnknownOptions, type UnitworkLogger } from "../config";
import type { AnalysisReport, FindingKind } from "./analysis-report";

/** `off`: nothing is captured. `log`: findings logged at info. `warn`: at warn. `throw`: a scope with findings throws `QueryAnalysisError`. */
export type AnalyzerMode = "off" | "log" | "warn" | "throw";

/**
 * What a finding must match to be dropped. A string is a fingerprint (exact) or a piece of the call
 * site (`"src/reports/"`); a RegExp is tested against the statement's SQL and its call site; the
 * object form combines criteria (all given ones must match).
 */
export type IgnoreRule =
  | string
  | RegExp
  | {
      /** Only findings of this kind. */
      kind?: FindingKind;
      /** Only findings of this statement shape (exact fingerprint). */
      fingerprint?: string;
      /** Only findings whose sample SQL matches. */
      sql?: RegExp;
      /** Only findings with a call-site frame containing (string) or matching (RegExp) this. */
      callSite?: string | RegExp;
    };

/** Options of the query analyzer (`createUnitwork({ analyzer })`). */
export interface QueryAnalyzerOptions {
  /** Default `"log"`, or `"off"` when `NODE_ENV` is `production`. */
  mode?: AnalyzerMode;
  /** A statement that takes longer is a `"slow"` finding. Default 500 ms. */
  slowQueryMs?: number;
  /** Distinct parameter sets of one shape from one call site that make an N+1. Default 3. */
  nPlusOneThreshold?: number;
  /** Take the plan of slow statements (`EXPLAIN (ANALYZE, BUFFERS)` on a separate connection, rolled back). Default false. */
  explainSlowQueries?: boolean;
  /** Findings to drop. */
  ignore?: IgnoreRule[];
  /** Defaults to the unitwork logger (pino). */
  logger?: UnitworkLogger;
  /** Called with every report (also reports without findings). */
  onReport?: (report: AnalysisReport) => void;
  /** How many statements a report keeps in `queries` (the counts always cover all). Default 1000. */
  maxQueriesPerReport?: number;
  /** A statement of a unit of work that waited on a lock longer than this is a `"contention"` finding. Default 200 ms. */
  lockWaitMs?: number;
  /**
   * Report relations loaded through `relations` (or eager ones) that the scope never read
   * (`"over-fetching"` findings). Development only: it watches each loaded relation property of each
   * loaded entity; ignored (with a warning) when `NODE_ENV` is `production`. Default false.
   */
  overFetching?: boolean;
}

const ANALYZER_OPTION_KEYS: readonly (keyof QueryAnalyzerOptions)[] = [
  "mode", "slowQueryMs", "nPlusOneThreshold", "explainSlowQueries", "ignore", "logger", "onReport", "maxQueriesPerReport", "lockWaitMs", "overFetching",
];

/** The analyzer options in effect (`uw.analyzer.options`): every default filled in. */
export interface ResolvedAnalyzerOptions {
  /** See {@link QueryAnalyzerOptions.mode}. */
  mode: AnalyzerMode;
  /** Slow-statement threshold, in ms. */
  slowQueryMs: number;
  /** Distinct parameter sets that make an N+1 (at least 2). */
  nPlusOneThreshold: number;
  /** Whether slow statements are explained. */
  explainSlowQueries: boolean;
  /** Findings dropped. */
  ignore: IgnoreRule[];
  /** Statements a report keeps in `queries`. */
  maxQueriesPerReport: number;
  /** Lock-wait threshold for a `"contention"` finding, in ms. */
  lockWaitMs: number;
  /** Whether unread relations are reported (always `false` when `NODE_ENV` is `production`). */
  overFetching: boolean;
}

/** @internal */
export function resolveAnalyzerOptions(options: QueryAnalyzerOptions = {}): ResolvedAnalyzerOptions {
  refuseUnknownOptions(options, ANALYZER_OPTION_KEYS, "analyzer");
  const resolved: ResolvedAnalyzerOptions = {
    mode: options.mode ?? defaultMode(),
    slowQueryMs: options.slowQueryMs ?? 500,
    nPlusOneThreshold: options.nPlusOneThreshold ?? 3,
    explainSlowQueries: options.explainSlowQueries ?? false,
    ignore: options.ignore ?? [],
    maxQueriesPerReport: options.maxQueriesPerReport ?? 1000,
    lockWaitMs: options.lockWaitMs ?? 200,
    overFetching: options.overFetching === true && overFetchingAllowed(),
  };
  if (options.overFetching !== undefined && typeof options.overFetching !== "boolean") throw new InvalidConfigError(`analyzer overFetching must be true or false, got ${JSON.stringify(options.overFetching)}`);
  if (!["off", "log", "warn", "throw"].includes(resolved.mode)) throw new InvalidConfigError(`analyzer mode must be off, log, warn or throw, got ${JSON.stringify(resolved.mode)}`);
  if (!(resolved.slowQueryMs >= 0)) throw new InvalidConfigError(`analyzer slowQueryMs must be a number >= 0, got ${resolved.slowQueryMs}`);
  if (!(resolved.lockWaitMs >= 0)) throw new InvalidConfigError(`analyzer lockWaitMs must be a number >= 0, got ${resolved.lockWaitMs}`);
  if (!Number.isInteger(resolved.nPlusOneThreshold) || resolved.nPlusOneThreshold < 2) {
    throw new InvalidConfigError(`analyzer nPlusOneThreshold must be an integer >= 2, got ${resolved.nPlusOneThreshold}`);
  }
  return resolved;
}

/**
 * Over-fetching changes the loaded entities' relation properties into accessors while a scope lasts:
 * a development tool, never on in production. @internal
 */
export function overFetchingAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.NODE_ENV !== "production";
}

/**
 * `"log"` while developing and testing, `"off"` when `NODE_ENV` is `production`: capturing the call
 * site of every repository call costs a few microseconds each, which production traffic should not pay
 * unless asked (`analyzer: { mode: "log" }`). @internal
 */
export function defaultMode(env: Record<string, string | undefined> = process.env): AnalyzerMode {
  return env.NODE_ENV === "production" ? "off" : "log";
}
