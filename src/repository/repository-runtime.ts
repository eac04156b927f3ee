import type { DataSource } from "typeorm";
import type { UnitworkLogger } from "../config";
import type { UnitOfWork } from "../unit-of-work";
import type { RepositorySettings } from "./repository-settings";

/** What every repository of one `createUnitwork` instance shares. @internal */
export interface RepositoryRuntime {
  readonly dataSource: DataSource;
  readonly unitOfWork: UnitOfWork;
  /** Writes outside a unit of work throw `NoActiveUnitOfWorkError`. */
  readonly strict: boolean;
  readonly logger: UnitworkLogger;
  /** Repository-wide limits and secrets (pagination, cursors). */
  readonly settings: RepositorySettings;
  /** Captures the application's call site at each repository entry (the analyzer installs one). */
  readonly callSites?: CallSiteTracer;
}

/**
 * Runs a repository operation with the caller's call site captured synchronously at entry and carried
 * to every statement the operation issues. `boundary` is the function whose frames (and those above
 * it inside unitwork) are skipped. @internal
 */
export interface CallSiteTracer {
  trace<R>(boundary: Function, operation: () => Promise<R>): Promise<R>;
}
