/**
 * Marks a filter built by `parseListQuery`: its values are query-string text, which the filter
 * compiler converts with each column's type (`"42"` → 42 for an integer column). @internal
 */
export const FROM_QUERY_STRING: unique symbol = Symbol.for("unitwork.fromQueryString");
