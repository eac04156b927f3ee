import type { ColumnMetadata } from "./column-metadata";
import { InvalidQueryError } from "../errors";
import { unstorableText } from "./storable-text";
import { isPlainObject, printable } from "./entity-fields";

/** How unitwork treats a column's values in filters, sorts and cursors. @internal */
export type ColumnKind = "integer" | "bigint" | "decimal" | "string" | "boolean" | "date" | "uuid" | "enum" | "json" | "unsupported";

const KIND_BY_TYPE: Record<string, ColumnKind> = {
  int: "integer", int2: "integer", int4: "integer", integer: "integer", smallint: "integer",
  int8: "bigint", bigint: "bigint",
  numeric: "decimal", decimal: "decimal", real: "decimal", float: "decimal", float4: "decimal", float8: "decimal", "double precision": "decimal",
  varchar: "string", "character varying": "string", text: "string", char: "string", character: "string", citext: "string",
  boolean: "boolean", bool: "boolean",
  timestamp: "date", timestamptz: "date", "timestamp with time zone": "date", "timestamp without time zone": "date", date: "date",
  uuid: "uuid", enum: "enum", simple_enum: "enum", "simple-enum": "enum", json: "json", jsonb: "json",
};

/** Each column's kind, worked out once (columns are metadata: they do not change). */
const kinds = new WeakMap<ColumnMetadata, ColumnKind>();

/** The {@link ColumnKind} of a column. @internal */
export function columnKind(column: ColumnMetadata): ColumnKind {
  let kind = kinds.get(column);
  if (kind === undefined) kinds.set(column, (kind = kindOf(column)));
  return kind;
}

function kindOf(column: ColumnMetadata): ColumnKind {
  const type = column.type;
  if (column.enum && column.enum.length) return "enum";
  if (type === Number) return "decimal";
  if (type === String) return "string";
  if (type === Boolean) return "boolean";
  if (type === Date) return "date";
  return typeof type === "string" ? KIND_BY_TYPE[type.toLowerCase()] ?? "unsupported" : "unsupported";
}

const INT_RANGE: Record<string, [number, number]> = {
  int2: [-32768, 32767], smallint: [-32768, 32767],
};
const INT4: [number, number] = [-2147483648, 2147483647];
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
/** A uuid in any case. @internal */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An ISO 8601 date or timestamp, optionally with a zone. @internal */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const DECIMAL = /^-?\d{1,100}(?:\.\d{1,100})?$/;

/**
 * Checks one filter value against its column and returns it as it is bound (`Date` for dates, a JSON
 * string for json columns). `path` names the field in the error. @internal
 */
export function checkColumnValue(column: ColumnMetadata, value: unknown, path: string, coerceStrings = false): unknown {
  const kind = columnKind(column);
  if (coerceStrings && typeof value === "string") value = fromText(kind, value);
  const fail = (expected: string): never => {
    throw new InvalidQueryError(`${path} expects ${expected}, got ${describe(value)}`, path);
  };
  switch (kind) {
    case "integer": {
      const [min, max] = INT_RANGE[String(column.type)] ?? INT4;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) fail(`an integer between ${min} and ${max}`);
      return value;
    }
    case "bigint": {
      let big: bigint | undefined;
      if (typeof value === "bigint") big = value;
      else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === "string" && /^-?\d{1,19}$/.test(value)) big = BigInt(value);
      if (big === undefined || big < INT8_MIN || big > INT8_MAX) fail("a 64-bit integer (number, bigint or digit string)");
      return String(big);
    }
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value === "string" && DECIMAL.test(value)) return value;
      return fail("a finite number");
    case "string":
      if (typeof value !== "string") fail("a string");
      if (unstorableText(value as string)) fail(`a string without ${unstorableText(value as string)}`);
      return value;
    case "boolean":
      if (typeof value !== "boolean") fail("true or false");
      return value;
    case "date":
      return checkDate(value, fail);
    case "uuid":
      if (typeof value !== "string" || !UUID.test(value)) fail("a uuid");
      return value;
    case "enum": {
      const allowed = column.enum ?? [];
      if (!allowed.some((a) => a === value)) {
        throw new InvalidQueryError(`${path} expects one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describe(value)}`, path, allowed.map(String));
      }
      return value;
    }
    case "json":
      checkJson(value, path, 0);
      return JSON.stringify(value);
    default:
      throw new InvalidQueryError(`${path} has column type ${String(column.type)}, which filters do not support`, path);
  }
}

/** Query-string text → the JS value of a column kind; text that does not convert stays text (and fails the check). */
function fromText(kind: ColumnKind, text: string): unknown {
  if ((kind === "integer" || kind === "decimal") && /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(text)) return Number(text);
  if (kind === "boolean") return text === "true" ? true : text === "false" ? false : text;
  return text;
}

function checkDate(value: unknown, fail: (expected: string) => never): Date {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === "string" && ISO_DATE.test(value)) date = new Date(value.includes(" ") ? value.replace(" ", "T") : value);
  if (!date || Number.isNaN(date.getTime())) return fail("a Date or an ISO 8601 date string");
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return fail("a date between the years 1 and 9999");
  return date;
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > 32) throw new InvalidQueryError(`${path}: JSON value nested too deeply`, path);
  if (typeof value === "string") {
    // jsonb cannot hold \u0000 or a lone surrogate (22P02): refuse them before any SQL
    const unstorable = unstorableText(value);
    if (unstorable) throw new InvalidQueryError(`${path}: JSON strings cannot contain ${unstorable}`, path);
    return;
  }
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidQueryError(`${path}: JSON numbers must be finite`, path);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJson(item, path, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const unstorable = unstorableText(key);
      if (unstorable) throw new InvalidQueryError(`${path}: JSON keys cannot contain ${unstorable}`, path);
      checkJson(item, path, depth + 1);
    }
    return;
  }
  throw new InvalidQueryError(`${path} expects a JSON value, got ${describe(value)}`, path);
}

/** A short description of a value for error messages. @internal */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return printable(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : value.toISOString();
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return value === null ? "null" : "an object";
  return typeof value;
}
