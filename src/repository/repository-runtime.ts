import type { DataSource } from "typeorm";
import type { CallSiteTracer, OverFetchWatch } from "../analyzer";
import type { UnitworkLogger } from "../config";
import type { CursorKey } from "../query";
import type { ContextStore, UnitOfWork } from "../unit-of-work";
import type { ReadStatements } from "./read-statements";
import type { RepositorySettings } from "./repository-settings";

/** What every repository of one `createUnitwork` instance shares. @internal */
export interface RepositoryRuntime {
  readonly dataSource: DataSource;
  readonly unitOfWork: UnitOfWork;
  /** The execution context of the unitwork instance (unit-of-work frame, analyzer state). */
  readonly context: ContextStore;
  /** Writes outside a unit of work throw `NoActiveUnitOfWorkError`. */
  readonly strict: boolean;
  readonly logger: UnitworkLogger;
  /** Repository-wide limits and secrets (pagination, cursors). */
  readonly settings: RepositorySettings;
  /** The key of `settings.cursorSecret`, derived once. */
  readonly cursorKey: CursorKey;
  /** Watches which loaded relations are read, when the analyzer's `overFetching` is on. */
  readonly overFetch?: OverFetchWatch;
  /** Captures the application's call site at each repository entry (the analyzer installs one). */
  readonly callSites?: CallSiteTracer;
  /** The compiled read statements of every repository of the instance. */
  readonly reads: ReadStatements;
}
