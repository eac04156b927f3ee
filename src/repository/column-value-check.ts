import { columnKind, UUID } from "../query";
import type { ColumnMetadata } from "../query/column-metadata";

/** Says why a value cannot be written to its column (`undefined`: it can). @internal */
export type ValueCheck = (value: unknown) => string | undefined;

/** JSON nested deeper than this is refused: TypeORM's merge and `JSON.stringify` recurse on it. */
const MAX_JSON_DEPTH = 512;
const INT_RANGE: Record<string, readonly [number, number]> = { int2: [-32768, 32767], smallint: [-32768, 32767] };
const INT4 = [-2147483648, 2147483647] as const;
const INT8 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const DIGITS = /^[+-]?\d{1,20}$/;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_TEXT = /^(?:t|f|true|false|y|n|yes|no|on|off|1|0)$/i;
const UUID_TEXT = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

/**
 * The check of one column's written values: what PostgreSQL would refuse for its type (a number out
 * of range, text that is not a number, a value outside the enum, text longer than `varchar(n)`, JSON
 * nested too deeply), or an explicit `null` in a NOT NULL column. Values that PostgreSQL would take
 * pass, in whatever spelling it takes them. A column with a transformer, or of a type unitwork does
 * not know, is left to the database. Built once per column; the returned function is the hot path.
 * @internal
 */
export function columnValueCheck(column: ColumnMetadata): ValueCheck {
  const notNull = !column.isNullable && !column.isVersion && !(column.isPrimary && column.isGenerated);
  const element = column.transformer ? undefined : elementCheck(column);
  const one: ValueCheck | undefined = element && column.isArray ? arrayOf(element) : element;
  return (value) => {
    // a function is refused by the write-input rules with its own reason (it would run as SQL)
    if (value === undefined || typeof value === "function") return undefined;
    if (value === null) return notNull ? "cannot be null (the column is NOT NULL)" : undefined;
    return one?.(value);
  };
}

function arrayOf(check: ValueCheck): ValueCheck {
  return (value) => {
    if (!Array.isArray(value)) return "must be an array";
    for (const item of value) {
      const reason = item === null ? undefined : check(item);
      if (reason) return `has an element that ${reason.replace(/^must/, "is not")}`;
    }
    return undefined;
  };
}

function elementCheck(column: ColumnMetadata): ValueCheck | undefined {
  switch (columnKind(column)) {
    case "integer": {
      const [min, max] = INT_RANGE[String(column.type)] ?? INT4;
      return (v) => {
        const n = typeof v === "string" && DIGITS.test(v) ? Number(v) : v;
        return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max ? undefined : `must be an integer from ${min} to ${max}`;
      };
    }
    case "bigint":
      return (v) => {
        let big: bigint | undefined;
        if (typeof v === "bigint") big = v;
        else if (typeof v === "number" && Number.isSafeInteger(v)) big = BigInt(v);
        else if (typeof v === "string" && DIGITS.test(v)) big = BigInt(v);
        return big !== undefined && big >= INT8[0] && big <= INT8[1] ? undefined : "must be a 64-bit integer (a number, bigint or digit string)";
      };
    case "decimal":
      return (v) => ((typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && NUMERIC.test(v.trim())) ? undefined : "must be a finite number");
    case "boolean":
      return (v) => (typeof v === "boolean" || v === 0 || v === 1 || (typeof v === "string" && BOOLEAN_TEXT.test(v.trim())) ? undefined : "must be true or false");
    case "uuid":
      return (v) => (typeof v === "string" && (UUID.test(v) || UUID_TEXT.test(v)) ? undefined : "must be a uuid");
    case "date":
      return (v) => {
        if (v instanceof Date) return Number.isNaN(v.getTime()) ? "must be a valid date" : undefined;
        if (typeof v === "string") return Number.isNaN(Date.parse(v)) && !/^\d{4}-\d{2}-\d{2}/.test(v) ? "must be a date" : undefined;
        return typeof v === "number" && Number.isFinite(v) ? undefined : "must be a date";
      };
    case "enum": {
      const allowed = new Set<unknown>(column.enum ?? []);
      return (v) => (allowed.has(v) ? undefined : `must be one of ${[...allowed].map((a) => JSON.stringify(a)).join(", ")}`);
    }
    case "string": {
      const length = Number(column.length) || undefined;
      return (v) => {
        if (typeof v === "object" || typeof v === "function" || typeof v === "symbol") return "must be text";
        if (length !== undefined && typeof v === "string" && v.length > length && [...v].length > length) return `must be at most ${length} characters long`;
        return undefined;
      };
    }
    case "json":
      return (v) => (depthOf(v, 0) > MAX_JSON_DEPTH ? `must not be nested deeper than ${MAX_JSON_DEPTH} levels` : undefined);
    default:
      return undefined;
  }
}

/** How deep a JSON-like value is nested, stopping once past the limit. */
function depthOf(value: unknown, depth: number): number {
  if (depth > MAX_JSON_DEPTH || value === null || typeof value !== "object") return depth;
  let deepest = depth;
  for (const item of Array.isArray(value) ? value : Object.values(value as object)) {
    deepest = Math.max(deepest, depthOf(item, depth + 1));
    if (deepest > MAX_JSON_DEPTH) break;
  }
  return deepest;
}
