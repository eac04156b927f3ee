/** Options of `create` and `update`. */
export interface WriteOptions {
  /**
   * `false` skips the entity's class-validator rules for this call (default: the repository's
   * setting, `true` unless configured). unitwork's own checks of keys and values always run.
   */
  validate?: boolean;
}
