/**
 * Which columns an operator suits: `equality` every filterable column, `membership` all but json,
 * `order` ordered values (numbers, dates, uuids, strings), `text` strings only. @internal
 */
export type OperatorGroup = "equality" | "membership" | "order" | "text";

/**
 * What an operator takes: one column value (`nullable`: `null` too), a list of them, a `[from, to]`
 * pair, a boolean flag, a LIKE pattern, or text matched literally. @internal
 */
export type OperandKind = "value" | "nullable" | "list" | "pair" | "flag" | "pattern" | "literal";

/** One filter operator. @internal */
export interface FilterOperator {
  group: OperatorGroup;
  operand: OperandKind;
  /**
   * The condition on column `ref`. `args` are the bound placeholders: none for a `null` operand,
   * `"true"`/`"false"` for a flag. `target` is `ref` as compared with a value (cast for json).
   */
  sql(ref: string, args: readonly string[], target: string): string;
  /** For `literal` operators: the LIKE pattern of the escaped text. */
  wrap?(escaped: string): string;
}

/** The filter operators, in the order error messages list them. @internal */
export const FILTER_OPERATORS = {
  eq: { group: "equality", operand: "nullable", sql: (ref, [v], target) => (v === undefined ? `${ref} IS NULL` : `${target} = ${v}`) },
  ne: { group: "equality", operand: "nullable", sql: (ref, [v], target) => (v === undefined ? `${ref} IS NOT NULL` : `${target} IS DISTINCT FROM ${v}`) },
  in: { group: "membership", operand: "list", sql: (ref, [list]) => `${ref} = ANY(${list})` },
  notIn: { group: "membership", operand: "list", sql: (ref, [list]) => `NOT (${ref} = ANY(${list}))` },
  isNull: { group: "equality", operand: "flag", sql: (ref, [flag]) => (flag === "true" ? `${ref} IS NULL` : `${ref} IS NOT NULL`) },
  gt: { group: "order", operand: "value", sql: (ref, [v]) => `${ref} > ${v}` },
  gte: { group: "order", operand: "value", sql: (ref, [v]) => `${ref} >= ${v}` },
  lt: { group: "order", operand: "value", sql: (ref, [v]) => `${ref} < ${v}` },
  lte: { group: "order", operand: "value", sql: (ref, [v]) => `${ref} <= ${v}` },
  between: { group: "order", operand: "pair", sql: (ref, [from, to]) => `${ref} BETWEEN ${from} AND ${to}` },
  like: { group: "text", operand: "pattern", sql: (ref, [p]) => `${ref} LIKE ${p}` },
  ilike: { group: "text", operand: "pattern", sql: (ref, [p]) => `${ref} ILIKE ${p}` },
  contains: { group: "text", operand: "literal", sql: (ref, [p]) => `${ref} LIKE ${p}`, wrap: (text) => `%${text}%` },
  startsWith: { group: "text", operand: "literal", sql: (ref, [p]) => `${ref} LIKE ${p}`, wrap: (text) => `${text}%` },
  endsWith: { group: "text", operand: "literal", sql: (ref, [p]) => `${ref} LIKE ${p}`, wrap: (text) => `%${text}` },
} as const satisfies Record<string, FilterOperator>;

export type FilterOperatorName = keyof typeof FILTER_OPERATORS;

/** The operators of the given groups, in table order. @internal */
export function operatorsIn(groups: readonly OperatorGroup[]): FilterOperatorName[] {
  return (Object.keys(FILTER_OPERATORS) as FilterOperatorName[]).filter((name) => groups.includes(FILTER_OPERATORS[name].group));
}

/** The operator named `name`, if it is one (never an `Object.prototype` member). @internal */
export function filterOperator(name: string): FilterOperator | undefined {
  return Object.prototype.hasOwnProperty.call(FILTER_OPERATORS, name) ? FILTER_OPERATORS[name as FilterOperatorName] : undefined;
}

/** `%`, `_` and `\` of `text` escaped, so that LIKE matches them literally. @internal */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}
