import type { DataSource } from "typeorm";
import { defaultLogger, refuseUnknownOptions, type UnitworkLogger } from "../config";
import { InvalidConfigError } from "../errors";
import { CursorKey, randomCursorSecret } from "../query";
import { QueryAnalyzer, resolveAnalyzerOptions, type QueryAnalyzerOptions } from "../analyzer";
import { ReadStatements, RepositoryFactory } from "../repository";
import { SetBasedBulkEngine } from "../bulk";
import { DEFAULT_REPOSITORY_SETTINGS, type RepositorySettings } from "../repository";
import { checkUnitOfWorkOptions, createContextStore, resolveReplicaOptions, UnitOfWork, type ReplicaOptions, type UnitOfWorkOptions } from "../unit-of-work";
import { checkTelemetryOptions, UnitworkTelemetry, type TelemetryOptions } from "../telemetry";
import { checkConnectRetry, initialize, type ConnectRetryOptions } from "./initialize";
import { tolerateReplicasDownAtStart } from "./replica-pools";
import { connectsDirectly } from "./direct-connection";
import { Unitwork } from "./unitwork";

const CREATE_UNITWORK_OPTION_KEYS: readonly (keyof CreateUnitworkOptions)[] = ["dataSource", "defaults", "strict", "logger", "analyzer", "repositories", "telemetry", "connectRetry", "replicas"];
const REPOSITORY_SETTING_KEYS: readonly (keyof RepositorySettings)[] = ["maxPageSize", "maxOffset", "cursorSecret", "validate", "preparedStatements"];

/** Options of {@link createUnitwork}; only `dataSource` is required. Unknown keys are refused (`InvalidConfigError`). */
export interface CreateUnitworkOptions {
  /** A TypeORM DataSource for PostgreSQL; initialized here if it is not yet. */
  dataSource: DataSource;
  /** Default `UnitOfWorkOptions` for units that begin a transaction (e.g. `{ isolation: "REPEATABLE READ" }`). */
  defaults?: UnitOfWorkOptions;
  /** `true`: a write outside a unit of work throws `NoActiveUnitOfWorkError`; default `false` (it auto-commits). */
  strict?: boolean;
  /** A pino-compatible logger; a pino logger named `unitwork` by default. */
  logger?: UnitworkLogger;
  /** The query analyzer (N+1, duplicate and slow statements); `{ mode: "log" }` by default (`"off"` when `NODE_ENV` is `production`), `{ mode: "off" }` to disable. */
  analyzer?: QueryAnalyzerOptions;
  /** Page-size and offset limits, the cursor secret, whether writes run class-validator rules, whether reads use prepared statements; defaults `{ maxPageSize: 1000, maxOffset: 100_000, validate: true }`, prepared statements on a direct connection to PostgreSQL (off behind a pooler such as PgBouncer, or with `telemetry.sqlCommenter`) and a random cursor secret per instance. */
  repositories?: Partial<RepositorySettings>;
  /**
   * OpenTelemetry traces and metrics through `@opentelemetry/api` (no-ops until the application
   * registers an SDK). `{ statements: false }` keeps only the unit-of-work spans.
   */
  telemetry?: TelemetryOptions;
  /**
   * Retry the first connection (`{ attempts: 10, maxDelayMs: 2_000 }`: a database that starts with
   * the application); when it still fails, `ConnectionError`.
   */
  connectRetry?: ConnectRetryOptions;
  /**
   * Read routing to the streaming replicas of a DataSource configured with TypeORM's
   * `replication: { master, slaves }` (used with defaults when omitted): `readOnly` units of work and
   * reads outside any unit of work go to a healthy replica under the consistency rule, everything
   * else to the primary. See {@link ReplicaOptions}.
   */
  replicas?: ReplicaOptions;
}

/**
 * Sets unitwork up on a TypeORM DataSource: initializes it if needed (a failure to connect is a
 * `ConnectionError`), then builds the unit of work, the repositories and the query analyzer. Bad
 * options throw `InvalidConfigError` before any connection is opened.
 *
 * @example
 * const uw = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv(), entities }) });
 * await uw.unitOfWork.run(async (ctx) => ctx.repository(User).create({ email: "a@b.co" }));
 * await uw.close();
 */
export async function createUnitwork(options: CreateUnitworkOptions): Promise<Unitwork> {
  refuseUnknownOptions(options, CREATE_UNITWORK_OPTION_KEYS, "createUnitwork");
  const { dataSource } = options;
  if (!dataSource || typeof dataSource.initialize !== "function") {
    throw new InvalidConfigError("createUnitwork needs { dataSource }: a TypeORM DataSource for PostgreSQL");
  }
  if (dataSource.options.type !== "postgres") {
    throw new InvalidConfigError(`unitwork supports PostgreSQL only, got a ${dataSource.options.type} DataSource`);
  }
  // bad options throw before any connection is opened
  resolveAnalyzerOptions(options.analyzer);
  checkUnitOfWorkOptions(options.defaults ?? {}, "defaults");
  refuseUnknownOptions(options.repositories, REPOSITORY_SETTING_KEYS, "repositories");
  checkRepositorySettings(options.repositories ?? {});
  checkTelemetryOptions(options.telemetry);
  checkConnectRetry(options.connectRetry);
  resolveReplicaOptions(options.replicas);
  if (options.replicas !== undefined && !(dataSource.options as { replication?: { slaves?: unknown[] } }).replication?.slaves?.length) {
    throw new InvalidConfigError("replicas options need a DataSource with TypeORM's replication: { master, slaves: [...] }");
  }
  const logger = options.logger ?? defaultLogger();
  if (!dataSource.isInitialized) {
    tolerateReplicasDownAtStart(dataSource, logger);
    await initialize(dataSource, options.connectRetry, logger);
  }
  // The one execution context of this instance: nothing is shared with another createUnitwork().
  const context = createContextStore();
  const unitOfWork = new UnitOfWork(dataSource, { context, defaults: options.defaults, logger, replicas: options.replicas });
  // each replica's state is known before the first read
  await unitOfWork.replicas?.checkAll();
  const analyzer = await QueryAnalyzer.create(dataSource, context, unitOfWork, options.analyzer ?? {}, logger);
  const settings: RepositorySettings = {
    ...DEFAULT_REPOSITORY_SETTINGS,
    ...options.repositories,
    // a sqlcommenter comment differs per statement: it cannot go into a prepared one; behind a pooler
    // (PgBouncer in transaction mode) a named statement would not be on the next transaction's backend
    preparedStatements: options.repositories?.preparedStatements ?? (options.telemetry?.sqlCommenter !== true && (await connectsDirectly(dataSource, logger))),
    cursorSecret: options.repositories?.cursorSecret ?? randomCursorSecret(),
  };
  const repositories = new RepositoryFactory({
    dataSource,
    unitOfWork,
    context,
    strict: options.strict ?? false,
    logger,
    settings,
    callSites: analyzer.callSites,
    overFetch: analyzer.overFetch,
    reads: new ReadStatements({ preparedStatements: settings.preparedStatements }),
    cursorKey: new CursorKey(settings.cursorSecret!),
  }, new SetBasedBulkEngine());
  const telemetry = new UnitworkTelemetry({ dataSource, context, unitOfWork, analyzer, options: options.telemetry ?? {} });
  return new Unitwork(dataSource, unitOfWork, repositories, logger, analyzer, telemetry);
}

/** Refuses repository settings that cannot be used, naming the setting (before any connection is opened). */
function checkRepositorySettings(settings: Partial<RepositorySettings>): void {
  for (const [key, least] of [["maxPageSize", 1], ["maxOffset", 0]] as const) {
    const value = settings[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= least)) {
      throw new InvalidConfigError(`repositories.${key} must be an integer >= ${least}, got ${String(value)}`);
    }
  }
  for (const key of ["validate", "preparedStatements"] as const) {
    const value = settings[key];
    if (value !== undefined && typeof value !== "boolean") throw new InvalidConfigError(`repositories.${key} must be true or false, got ${JSON.stringify(value)}`);
  }
  const secret = settings.cursorSecret;
  if (secret !== undefined && !((typeof secret === "string" || Buffer.isBuffer(secret)) && secret.length > 0)) {
    throw new InvalidConfigError("repositories.cursorSecret must be a non-empty string or Buffer (from a secret store)");
  }
}
