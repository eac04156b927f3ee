import { refuseUnknownOptions } from "../config";
import { InvalidConfigError } from "../errors";

/**
 * Which reads may go to a replica:
 * - `session` (default): read-your-writes. A read of a session (an HTTP request, `uw.session(fn)`, or a
 *   consistency token) uses a replica only once it has replayed the session's latest commit; reads
 *   outside any session use any healthy replica.
 * - `eventual`: any healthy replica, however recent the session's writes.
 * - `primary`: never a replica (every read on the primary).
 *
 * @example
 * // dashboards may lag: their own instance reads any healthy replica
 * const dashboards = await createUnitwork({ dataSource: replicatedDataSource, replicas: { consistency: "eventual" } });
 */
export type ReadConsistency = "session" | "eventual" | "primary";

/**
 * `createUnitwork({ replicas })`: how reads are routed to the streaming replicas of a DataSource
 * configured with TypeORM's `replication: { master, slaves }`.
 *
 * @example
 * const uw = await createUnitwork({
 *   dataSource: new DataSource({ type: "postgres", replication: { master: { url: primaryUrl }, slaves: [{ url: replicaUrl }] }, entities }),
 *   replicas: { consistency: "session", maxLagMs: 10_000, waitMs: 100 },
 * });
 */
export interface ReplicaOptions {
  /** Which reads may use a replica; default `"session"` (read-your-writes). */
  consistency?: ReadConsistency;
  /** A replica whose replay is further behind than this (ms) is skipped; default 10 000. */
  maxLagMs?: number;
  /**
   * How long a session read waits for a replica to replay the session's latest commit before it reads
   * from the primary (ms); default 100. `0`: look once, never wait.
   */
  waitMs?: number;
  /** How often each replica's state and lag are checked in the background while reads use it (ms); default 1000. */
  checkIntervalMs?: number;
}

/** The options in effect. @internal */
export type ResolvedReplicaOptions = Required<ReplicaOptions>;

const REPLICA_OPTION_KEYS: readonly (keyof ReplicaOptions)[] = ["consistency", "maxLagMs", "waitMs", "checkIntervalMs"];
const CONSISTENCIES: readonly ReadConsistency[] = ["session", "eventual", "primary"];

/** `InvalidConfigError` for replica options no router can use; the options with defaults filled in. @internal */
export function resolveReplicaOptions(options: ReplicaOptions | undefined): ResolvedReplicaOptions {
  refuseUnknownOptions(options, REPLICA_OPTION_KEYS, "replicas");
  const given = options ?? {};
  if (given.consistency !== undefined && !CONSISTENCIES.includes(given.consistency)) {
    throw new InvalidConfigError(`unknown replicas.consistency ${JSON.stringify(given.consistency)}; use one of ${CONSISTENCIES.join(", ")}`);
  }
  const resolved: ResolvedReplicaOptions = {
    consistency: given.consistency ?? "session",
    maxLagMs: given.maxLagMs ?? 10_000,
    waitMs: given.waitMs ?? 100,
    checkIntervalMs: given.checkIntervalMs ?? 1000,
  };
  for (const key of ["maxLagMs", "waitMs"] as const) {
    if (!(typeof resolved[key] === "number" && resolved[key] >= 0 && !Number.isNaN(resolved[key]))) {
      throw new InvalidConfigError(`replicas.${key} must be a number of milliseconds >= 0 (Infinity for no limit), got ${String(given[key])}`);
    }
  }
  if (!(Number.isFinite(resolved.waitMs))) throw new InvalidConfigError(`replicas.waitMs must be finite, got ${String(given.waitMs)}`);
  if (!(Number.isFinite(resolved.checkIntervalMs) && resolved.checkIntervalMs > 0)) {
    throw new InvalidConfigError(`replicas.checkIntervalMs must be a positive number of milliseconds, got ${String(given.checkIntervalMs)}`);
  }
  return resolved;
}
