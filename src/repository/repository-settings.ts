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
  /**
   * Whether the repositories' reads (`getById`, `findMany`, `paginate`, `count` …) run as named
   * prepared statements once a statement's shape has run twice: PostgreSQL then parses and plans it
   * once per connection (a primary-key lookup runs at about 1.8× the rate). Default: on when the
   * connections go straight to PostgreSQL, off behind a pooler (PgBouncer in any mode: the process id
   * a connection was given is not its backend's) and with `telemetry: { sqlCommenter: true }` (a
   * comment per statement cannot go into a prepared one). Set `true` behind PgBouncer 1.21 or later
   * with `max_prepared_statements` above 0, which keeps them per server connection itself.
   */
  preparedStatements: boolean;
}

/** Per-entity settings, set with `uw.repositories.configure(Entity, settings)`. */
export interface EntityRepositorySettings {
  /** Run the entity's class-validator rules on writes (default: the repositories' `validate`). */
  validate?: boolean;
}

/** @internal */
export const DEFAULT_REPOSITORY_SETTINGS: RepositorySettings = { maxPageSize: 1000, maxOffset: 100_000, validate: true, preparedStatements: true };
