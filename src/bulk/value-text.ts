import type { ColumnMetadata } from "../query/column-metadata";
import type { Driver } from "typeorm";
import { DateUtils } from "typeorm";
import { columnValueCheck } from "../repository/column-value-check";

/** Converts one input value to the text PostgreSQL parses for the column; `null` is SQL NULL. @internal */
export type ToText = (value: unknown) => string | null;

/** Column types whose JS values are written as they are (numbers, strings, booleans): the fast path. */
const PLAIN_TYPES = new Set<unknown>([
  String, Number, "int", "int2", "int4", "int8", "integer", "smallint", "bigint", "numeric", "decimal", "real", "float",
  "float4", "float8", "double precision", "money", "varchar", "character varying", "char", "character", "nchar",
  "nvarchar", "text", "citext", "uuid", "enum", "boolean", "bool", "inet", "cidr", "macaddr", "xml", "ltree",
]);
const TZ_TYPES = new Set<unknown>(["timestamptz", "timestamp with time zone"]);
const LOCAL_TIMESTAMP_TYPES = new Set<unknown>([Date, "timestamp", "timestamp without time zone", "datetime"]);

/**
 * Builds the converter for a column from its TypeORM metadata: transformers and TypeORM's own value
 * preparation (json, dates, simple-array, hstore …) run first, as they do for `save()`, then the
 * result is rendered as PostgreSQL text. Throws `TypeError` for a value the column cannot hold.
 * @internal
 */
export function makeToText(column: ColumnMetadata, driver: Driver): ToText {
  const prepare = column.transformer || !PLAIN_TYPES.has(column.type) ? (v: unknown) => driver.preparePersistentValue(v, column) : undefined;
  const local = LOCAL_TIMESTAMP_TYPES.has(column.type);
  const tz = TZ_TYPES.has(column.type);
  const json = column.type === "json" || column.type === "jsonb";
  const check = columnValueCheck(column);
  return (input) => {
    const refused = check(input);
    if (refused) throw new TypeError(`${column.propertyName} ${refused}`);
    const value = prepare && !(tz && input instanceof Date) ? prepare(input) : input;
    // TypeORM has already turned a json value into text; "\u0000" in it may be a real NUL (refused)
    // or an escaped backslash followed by "u0000" (fine): look at the value itself to tell.
    // The same for a lone surrogate, which JSON.stringify escapes (`\udc00`) and jsonb refuses.
    if (json && typeof value === "string" && ESCAPED_SUSPECT.test(value)) JSON.stringify(input, refuseNul);
    return render(value, local);
  };
}

function render(value: unknown, localTimestamps: boolean): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
      // PostgreSQL text cannot hold NUL; refused here so the row is named before anything is written
      if (value.includes("\u0000")) throw new TypeError("text cannot contain NUL (\\u0000) characters");
      if (!isWellFormed(value)) throw new TypeError(LONE_SURROGATE);
      return value;
    case "number":
      if (Number.isNaN(value)) throw new TypeError("NaN is not a value a column can hold");
      return String(value);
    case "boolean":
      return value ? "t" : "f";
    case "bigint":
      return value.toString();
    case "object":
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError("Invalid Date");
        return localTimestamps ? DateUtils.mixedDateToDatetimeString(value, true) : value.toISOString();
      }
      if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
      if (Array.isArray(value)) return `{${value.map((v) => arrayElement(render(v, localTimestamps))).join(",")}}`;
      return JSON.stringify(value, refuseNul);
    default:
      throw new TypeError(`a ${typeof value} is not a value a column can hold`);
  }
}

const ESCAPED_SUSPECT = /\\u(0000|[dD][89a-fA-F])/;
const LONE_SURROGATE = "text cannot contain a lone UTF-16 surrogate: PostgreSQL cannot store it as UTF-8";

function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** JSON.stringify replacer: jsonb cannot hold NUL or a lone surrogate in a key or a string. */
function refuseNul(key: string, value: unknown): unknown {
  if (key.includes("\u0000") || (typeof value === "string" && value.includes("\u0000"))) {
    throw new TypeError("JSON cannot contain NUL (\\u0000) characters");
  }
  if (!isWellFormed(key) || (typeof value === "string" && !isWellFormed(value))) throw new TypeError(LONE_SURROGATE);
  return value;
}

function arrayElement(text: string | null): string {
  if (text === null) return "NULL";
  if (text.startsWith("{")) return text;
  return `"${text.replace(/[\\"]/g, "\\$&")}"`;
}
