import type { DataSource } from "typeorm";
import type { UnitworkLogger } from "../config";
import type { CallSiteTracer } from "../analyzer";
import type { ContextStore, UnitOfWork } from "../unit-of-work";

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
  /** Captures the application's call site at each repository entry (the analyzer installs one). */
  readonly callSites?: CallSiteTracer;
}

export interface RepositorySettings {
  /** Largest `pageSize`/`limit`/`first` accepted (default 1000). */
  maxPageSize: number;
  /** Largest offset accepted by `paginate`/`findMany` (default 100,000). */
  maxOffset: number;
  /** HMAC secret for keyset cursors; a random per-process secret when unset. */
  cursorSecret?: string;
}

export const DEFAULT_REPOSITORY_SETTINGS: RepositorySettings = { maxPageSize: 1000, maxOffset: 100_000 };
