import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/**
 * The entity uses a TypeORM mapping that this unitwork method cannot handle; nothing was written.
 * `entity` and `mapping` name it, and the message says what to use instead. The refused mappings are
 * listed in docs/entities.md.
 *
 * @example
 * ```ts
 * import { UnsupportedMappingError } from "unitwork";
 *
 * try {
 *   await categories.bulkInsert(rows); // a @Tree("closure-table") entity
 * } catch (error) {
 *   if (error instanceof UnsupportedMappingError) console.log(error.mapping); // "tree (closure-table)"
 * }
 * ```
 */
export class UnsupportedMappingError extends UnitworkError {
  override readonly code = "UNSUPPORTED_MAPPING";
  /**
   * @param entity Name of the entity, e.g. `"Category"`.
   * @param mapping The refused mapping, e.g. `"tree (closure-table)"`.
   * @param limit What the method cannot do with it and what to use instead (ends the message).
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(readonly entity: string, readonly mapping: string, limit: string, details?: ErrorDetails) {
    super(`${entity}: ${mapping} is not supported here: ${limit}`, details);
  }
}
