import type { DataSource } from "typeorm";
import { defaultLogger, type UnitworkLogger } from "../config";
import { InvalidConfigError } from "../errors";
import { QueryAnalyzer, resolveAnalyzerOptions, type QueryAnalyzerOptions } from "../analyzer";
import { SetBasedBulkEngine } from "../bulk";
import { DEFAULT_REPOSITORY_SETTINGS, RepositoryFactory, type RepositorySettings } from "../repository";
import { setTransactionalLocator, UnitOfWork, type UnitOfWorkOptions } from "../unit-of-work";
import { Unitwork } from "./unitwork";

export interface CreateUnitworkOptions {
  /** A TypeORM DataSource for PostgreSQL; initialized here if it is not yet. */
  dataSource: DataSource;
  /** Default `UnitOfWorkOptions` for units that begin a transaction. */
  defaults?: UnitOfWorkOptions;
  /** `true`: a write outside a unit of work throws `NoActiveUnitOfWorkError`. */
  strict?: boolean;
  /** A pino-compatible logger; a pino logger named `unitwork` by default. */
  logger?: UnitworkLogger;
  /** The query analyzer (N+1, duplicate and slow statements); `{ mode: "log" }` by default, `{ mode: "off" }` to disable. */
  analyzer?: QueryAnalyzerOptions;
  /** Page-size and offset limits, cursor secret. */
  repositories?: Partial<RepositorySettings>;
}

/**
 * Sets unitwork up on a TypeORM DataSource.
 *
 * @example
 * const uw = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv(), entities }) });
 * await uw.unitOfWork.run(async (ctx) => ctx.repository(User).create({ email: "a@b.co" }));
 * await uw.close();
 */
export async function createUnitwork(options: CreateUnitworkOptions): Promise<Unitwork> {
  const { dataSource } = options;
  if (dataSource.options.type !== "postgres") {
    throw new InvalidConfigError(`unitwork supports PostgreSQL only, got a ${dataSource.options.type} DataSource`);
  }
  // bad options throw before any connection is opened
  resolveAnalyzerOptions(options.analyzer);
  UnitOfWork.checkOptions(options.defaults ?? {});
  if (!dataSource.isInitialized) await dataSource.initialize();
  const logger = options.logger ?? defaultLogger();
  const unitOfWork = new UnitOfWork(dataSource, { defaults: options.defaults, logger });
  const analyzer = await QueryAnalyzer.create(dataSource, unitOfWork, options.analyzer ?? {}, logger);
  const repositories = new RepositoryFactory({
    dataSource,
    unitOfWork,
    strict: options.strict ?? false,
    logger,
    settings: { ...DEFAULT_REPOSITORY_SETTINGS, ...options.repositories },
    callSites: analyzer.callSites,
  }, new SetBasedBulkEngine());
  const uw = new Unitwork(dataSource, unitOfWork, repositories, logger, analyzer);
  setTransactionalLocator(() => unitOfWork);
  return uw;
}
