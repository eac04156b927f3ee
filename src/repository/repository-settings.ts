/** Repository-wide limits and secrets (pagination, cursors), set by `createUnitwork({ repositories })`. */
export interface RepositorySettings {
  /** Largest `pageSize`/`limit`/`first` accepted (default 1000). */
  maxPageSize: number;
  /** Largest offset accepted by `paginate`/`findMany` (default 100,000). */
  maxOffset: number;
  /** HMAC secret for keyset cursors; a random per-process secret when unset. */
  cursorSecret?: string;
}

/** @internal */
export const DEFAULT_REPOSITORY_SETTINGS: RepositorySettings = { maxPageSize: 1000, maxOffset: 100_000 };
