import type { CursorValues } from "./cursor";
import type { SortKey } from "./sort";
import type { SqlBindings } from "./sql-bindings";

/**
 * The keyset condition "the row comes after `values` in this order": for keys k1..kn,
 * `(k1 after) OR (k1 = AND k2 after) OR …`, honouring each key's direction and NULLS placement.
 * Cursor values are PostgreSQL text, bound as untyped parameters, so the server parses them with the
 * column's own type (timestamps keep their microseconds). @internal
 */
export function keysetCondition(keys: SortKey[], expressions: string[], values: CursorValues, bindings: SqlBindings): string {
  const branches: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) parts.push(equal(expressions[j]!, values[j]!, bindings));
    const after = comesAfter(keys[i]!, expressions[i]!, values[i]!, bindings);
    if (after === "FALSE") continue;
    parts.push(after);
    branches.push(parts.length === 1 ? parts[0]! : `(${parts.join(" AND ")})`);
  }
  return branches.length ? `(${branches.join(" OR ")})` : "FALSE";
}

function equal(expression: string, value: string | null, bindings: SqlBindings): string {
  return value === null ? `${expression} IS NULL` : `${expression} = ${bindings.bind(value)}`;
}

function comesAfter(key: SortKey, expression: string, value: string | null, bindings: SqlBindings): string {
  if (value === null) return key.nulls === "FIRST" ? `${expression} IS NOT NULL` : "FALSE";
  const compare = `${expression} ${key.direction === "ASC" ? ">" : "<"} ${bindings.bind(value)}`;
  return key.nulls === "LAST" ? `(${compare} OR ${expression} IS NULL)` : compare;
}
