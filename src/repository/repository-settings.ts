/** Repository-wide limits and secrets (pagination, cursors), set by `createUnitwork({ repositories })`. */
export interface RepositorySettings {
  /** Largest `pageSize`/`limit`/`first` accepted (default 1000). */
  maxPageSize: number;
  /** Largest offset accepted by `paginate`/`findMany` (default 100,000). */
  maxOffset: number;
  /**
   * The secret keyset cursors are encrypted and authenticated with (AES-256-GCM, key derived by
   * HKDF). Set it (from a secret store) when cursors must survive a restart or be shared by several
   * processes; unset, each unitwork instance makes a random one.
   */
  cursorSecret?: string | Buffer;
  /**
   * Whether writes run the entity's class-validator rules (default `true`; entities without rules are
   * never validated). `false` turns them off for every repository; `uw.repositories.configure(Entity,
   * { validate: false })` for one entity, `{ validate: false }` for one call. unitwork's own checks
   * (writable keys, generated columns, function values, NUL) always run.
   */
  validate: boolean;
}

/** Per-entity settings, set with `uw.repositories.configure(Entity, settings)`. */
export interface EntityRepositorySettings {
  /** Run the entity's class-validator rules on writes (default: the repositories' `validate`). */
  validate?: boolean;
}

/** @internal */
export const DEFAULT_REPOSITORY_SETTINGS: RepositorySettings = { maxPageSize: 1000, maxOffset: 100_000, validate: true };
