import { InvalidQueryError } from "../errors";

/** The option names each listing method takes; anything else (a typo such as `wher`) is refused. @internal */
export const OPTION_KEYS = {
  findMany: ["where", "orderBy", "relations", "relationStrategy", "limit", "offset", "withDeleted"],
  findFirst: ["where", "orderBy", "relations", "relationStrategy", "offset", "withDeleted"],
  paginate: ["page", "pageSize", "where", "orderBy", "relations", "relationStrategy", "count", "withDeleted"],
  paginateByCursor: ["first", "after", "where", "orderBy", "relations", "relationStrategy", "withDeleted"],
  getById: ["relations", "lock", "withDeleted"],
  stream: ["where", "orderBy", "relations", "relationStrategy", "limit", "offset", "withDeleted", "batchSize"],
} as const;

/**
 * Throws `InvalidQueryError` when `options` is no object or has a key the method does not know, so a
 * misspelt `where` can never silently select every row. @internal
 */
export function checkOptions(options: unknown, method: keyof typeof OPTION_KEYS): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidQueryError(`${method} takes an options object`, "options");
  }
  const allowed: readonly string[] = OPTION_KEYS[method];
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new InvalidQueryError(`unknown ${method} option ${JSON.stringify(key)}`, key, allowed);
    }
  }
}
