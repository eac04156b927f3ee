import { refuseUnknownOptions } from "../config";
import { InvalidConfigError, InvalidQueryError } from "../errors";
import { describe, ISO_DATE, UUID } from "./column-value";
import { isPlainObject, printable } from "./entity-fields";
import { FROM_QUERY_STRING } from "./from-query-string";
import { filterOperator, operatorsIn, type OperatorGroup } from "./filter-operators";

/**
 * How `parseListQuery` coerces a filter value from the query string. `"auto"` (what a plain array of
 * names means) keeps the text and lets the repository convert it with the column's own type.
 */
export type ListFieldType = "auto" | "string" | "integer" | "number" | "boolean" | "date" | "uuid";

/** A filterable field: its type, and optionally the operators allowed on it. */
export type ListField = ListFieldType | {
  /** How the value is coerced. */
  type: ListFieldType;
  /** Operators a client may use on the field (e.g. `["eq", "in"]`); default: every operator suiting `type`. */
  operators?: readonly string[];
};

/** Options of {@link parseListQuery}: what a client may filter and sort on, and page limits. */
export interface ParseListQueryOptions {
  /** Fields a client may filter on (dotted paths for relation fields), with their types; an array of names means `"auto"` for each. */
  filterable?: readonly string[] | Readonly<Record<string, ListField>>;
  /** Fields a client may sort on (dotted paths for relation fields). */
  sortable?: readonly string[];
  /** Largest `pageSize` accepted (default 100). */
  maxPageSize?: number;
  /** `pageSize` when the query has none (default 20, at most `maxPageSize`). */
  defaultPageSize?: number;
  /** `orderBy` when the query has no `sort`. */
  defaultSort?: string;
}

/** What {@link parseListQuery} returns: options for `paginate` (or `findMany`). */
export interface ListQuery {
  /** The filter, values coerced to the declared types; `{}` when the query has no `filter`. */
  where: Record<string, unknown>;
  /** The `sort` parameter (`"-createdAt,name"`), else `defaultSort`; `undefined` when neither is given. */
  orderBy: string | undefined;
  /** `page` from the query, from 1 (default 1). */
  page: number;
  /** `pageSize` from the query (default `defaultPageSize`). */
  pageSize: number;
}

const PARSE_LIST_QUERY_OPTION_KEYS: readonly (keyof ParseListQueryOptions)[] = ["filterable", "sortable", "maxPageSize", "defaultPageSize", "defaultSort"];

const GROUPS_BY_TYPE: Record<ListFieldType, readonly OperatorGroup[]> = {
  auto: ["equality", "membership", "order", "text"],
  string: ["equality", "membership", "text"],
  integer: ["equality", "membership", "order"],
  number: ["equality", "membership", "order"],
  date: ["equality", "order"],
  boolean: ["equality"],
  uuid: ["equality", "membership"],
};

/**
 * Turns an HTTP query string object into repository list options, allowing only what you list.
 * Accepts a qs-style nested object (Express, Koa with qs) as well as flat keys (`filter[status]`,
 * e.g. from `Object.fromEntries(new URLSearchParams(...))`). Throws `InvalidQueryError` for
 * anything not allowed or not coercible.
 *
 * @example
 * // ?page=2&pageSize=20&sort=-createdAt&filter[status]=active&filter[createdAt][gte]=2025-01-01
 * const { where, orderBy, page, pageSize } = parseListQuery(req.query, {
 *   filterable: { status: "string", createdAt: "date", "user.email": "string" },
 *   sortable: ["createdAt", "name"],
 *   maxPageSize: 100,
 * });
 * const result = await functions.paginate({ where, orderBy, page, pageSize });
 */
export function parseListQuery(query: unknown, options: ParseListQueryOptions = {}): ListQuery {
  refuseUnknownOptions(options, PARSE_LIST_QUERY_OPTION_KEYS, "parseListQuery");
  checkOptions(options);
  if (!isPlainObject(query)) throw new InvalidQueryError(`the query must be an object, got ${describe(query)}`, "query");
  const input = expandBrackets(query);
  const maxPageSize = options.maxPageSize ?? 100;
  const defaultPageSize = Math.min(options.defaultPageSize ?? 20, maxPageSize);
  const page = input.page === undefined ? 1 : integer(input.page, "page", 1, Number.MAX_SAFE_INTEGER);
  const pageSize = input.pageSize === undefined ? defaultPageSize : integer(input.pageSize, "pageSize", 1, maxPageSize);
  return { where: parseFilter(input.filter, options.filterable), orderBy: parseSortParam(input.sort, options) , page, pageSize };
}

/** The developer's options, checked before any client input: a bad one is `InvalidConfigError`. */
function checkOptions(options: ParseListQueryOptions): void {
  const bad = (what: string) => {
    throw new InvalidConfigError(`parseListQuery: ${what}`);
  };
  for (const name of ["maxPageSize", "defaultPageSize"] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) bad(`${name} must be an integer of at least 1, got ${describe(value)}`);
  }
  const { sortable, filterable, defaultSort } = options;
  if (sortable !== undefined && !(Array.isArray(sortable) && sortable.every((s) => typeof s === "string"))) bad("sortable must be an array of field names");
  if (defaultSort !== undefined && typeof defaultSort !== "string") bad(`defaultSort must be a string like "-createdAt", got ${describe(defaultSort)}`);
  if (filterable === undefined) return;
  if (Array.isArray(filterable)) {
    if (!filterable.every((f) => typeof f === "string")) bad("filterable must list field names, or map them to their types");
    return;
  }
  if (!isPlainObject(filterable)) bad("filterable must list field names, or map them to their types");
  for (const [name, field] of Object.entries(filterable)) {
    const type = typeof field === "string" ? field : isPlainObject(field) ? field.type : undefined;
    if (typeof type !== "string" || !Object.prototype.hasOwnProperty.call(GROUPS_BY_TYPE, type)) {
      bad(`filterable.${name} must be one of ${Object.keys(GROUPS_BY_TYPE).join(", ")} (or { type, operators }), got ${describe(field)}`);
    }
    const operators = isPlainObject(field) ? field.operators : undefined;
    if (operators !== undefined) {
      const known = operatorsIn(GROUPS_BY_TYPE[type as ListFieldType]);
      if (!Array.isArray(operators) || !operators.every((op) => typeof op === "string" && known.includes(op as never))) {
        bad(`filterable.${name}.operators must list operators of a ${String(type)} field (${known.join(", ")})`);
      }
    }
  }
}

function parseSortParam(sort: unknown, options: ParseListQueryOptions): string | undefined {
  if (sort === undefined || sort === "") return options.defaultSort;
  if (typeof sort !== "string") throw new InvalidQueryError(`sort must be one string like "-createdAt,name", got ${describe(sort)}`, "sort");
  const allowed = options.sortable ?? [];
  for (const token of sort.split(",")) {
    const key = token.trim().replace(/^[-+]/, "");
    if (!allowed.includes(key)) throw new InvalidQueryError(`cannot sort by ${printable(key)}`, "sort", allowed);
  }
  return sort;
}

function parseFilter(filter: unknown, filterable: ParseListQueryOptions["filterable"]): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  Object.defineProperty(where, FROM_QUERY_STRING, { value: true, enumerable: true });
  if (filter === undefined) return where;
  if (!isPlainObject(filter)) throw new InvalidQueryError(`filter must be an object (filter[field]=value), got ${describe(filter)}`, "filter");
  const fields = new Map<string, { type: ListFieldType; operators: readonly string[] }>(
    Array.isArray(filterable)
      ? filterable.map((name: string) => [name, { type: "auto" as const, operators: operatorsIn(GROUPS_BY_TYPE.auto) }])
      : Object.entries(filterable ?? {}).map(([name, field]) => {
          const type: ListFieldType = typeof field === "string" ? field : field.type;
          if (!Object.prototype.hasOwnProperty.call(GROUPS_BY_TYPE, type)) throw new InvalidQueryError(`filterable.${name}: unknown type ${printable(type)}`, name, Object.keys(GROUPS_BY_TYPE));
          return [name, { type, operators: (typeof field === "object" && field.operators) || operatorsIn(GROUPS_BY_TYPE[type]) }];
        }),
  );
  const visit = (node: Record<string, unknown>, prefix: string) => {
    for (const key of Object.keys(node)) {
      const raw = node[key];
      if (raw === undefined) continue;
      const name = prefix ? `${prefix}.${key}` : key;
      const field = fields.get(name);
      if (!field) {
        // qs nests relation fields: filter[function][name]=x
        if (isPlainObject(raw) && [...fields.keys()].some((f) => f.startsWith(`${name}.`))) {
          visit(raw, name);
          continue;
        }
        throw new InvalidQueryError(`cannot filter by ${printable(name)}`, `filter.${name}`, [...fields.keys()]);
      }
      let condition: unknown;
      if (isPlainObject(raw)) {
        const ops: Record<string, unknown> = {};
        for (const op of Object.keys(raw)) {
          if (!field.operators.includes(op)) throw new InvalidQueryError(`operator ${printable(op)} is not allowed on ${name}`, `filter.${name}.${op}`, field.operators);
          ops[op] = operand(op, raw[op], field.type, `filter.${name}.${op}`);
        }
        condition = ops;
      } else if (Array.isArray(raw)) {
        if (!field.operators.includes("in")) throw new InvalidQueryError(`${name} takes one value`, `filter.${name}`);
        condition = { in: raw.map((v, i) => coerce(v, field.type, `filter.${name}[${i}]`)) };
      } else {
        if (!field.operators.includes("eq")) throw new InvalidQueryError(`operator "eq" is not allowed on ${name}`, `filter.${name}`, field.operators);
        condition = coerce(raw, field.type, `filter.${name}`);
      }
      place(where, name.split("."), condition);
    }
  };
  visit(filter, "");
  return where;
}

function operand(op: string, raw: unknown, type: ListFieldType, path: string): unknown {
  const kind = filterOperator(op)?.operand;
  switch (kind) {
    case "flag":
      return coerce(raw, "boolean", path);
    case "list":
    case "pair": {
      const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [raw];
      const values = items.map((v, i) => coerce(v, type, `${path}[${i}]`));
      if (kind === "pair" && values.length !== 2) throw new InvalidQueryError(`${path} needs two values, "from,to"`, path);
      return values;
    }
    case "pattern":
    case "literal":
      return coerce(raw, "string", path);
    default:
      return coerce(raw, type, path);
  }
}

function coerce(raw: unknown, type: ListFieldType, path: string): unknown {
  if (typeof raw !== "string") throw new InvalidQueryError(`${path} must be a single value, got ${describe(raw)}`, path);
  const fail = (expected: string): never => {
    throw new InvalidQueryError(`${path} must be ${expected}, got ${printable(raw)}`, path);
  };
  switch (type) {
    case "auto":
    case "string":
      return raw.length > 1000 ? fail("at most 1000 characters") : raw;
    case "integer": {
      const n = /^-?\d{1,16}$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) ? n : fail("an integer");
    }
    case "number": {
      const n = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(raw) ? Number(raw) : NaN;
      return Number.isFinite(n) ? n : fail("a number");
    }
    case "boolean":
      return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : fail("true or false");
    case "date": {
      const date = ISO_DATE.test(raw) ? new Date(raw.replace(" ", "T")) : undefined;
      return date && !Number.isNaN(date.getTime()) ? date : fail("an ISO 8601 date (2025-01-31 or 2025-01-31T12:00:00Z)");
    }
    case "uuid":
      return UUID.test(raw) ? raw : fail("a uuid");
  }
}

function integer(raw: unknown, name: string, min: number, max: number): number {
  const n = typeof raw === "string" && /^\d{1,16}$/.test(raw) ? Number(raw) : typeof raw === "number" ? raw : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidQueryError(`${name} must be an integer from ${min} to ${max}, got ${describe(raw)}`, name);
  return n;
}

function place(where: Record<string, unknown>, path: string[], condition: unknown): void {
  let node = where;
  for (const part of path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined;
    node = (isPlainObject(next) ? next : (node[part] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = condition;
}

/** `{ "filter[a][gte]": "1" }` → `{ filter: { a: { gte: "1" } } }`, merged with already nested input. */
function expandBrackets(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(query)) {
    const parts = /^([^[\]]+)((?:\[[^[\]]*\])+)$/.exec(key);
    if (!parts) {
      // other keys are the application's; a malformed spelling of ours would silently drop a filter
      if (/[[\]]/.test(key) || /^(?:filter|sort|page|pageSize)[^A-Za-z0-9_]/.test(key)) {
        throw new InvalidQueryError(`malformed query key ${printable(key)}; write filter[field]=value or filter[field][operator]=value`, key);
      }
      merge(out, [key], query[key]);
      continue;
    }
    const path = [parts[1]!, ...[...parts[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (path.some((p) => p === "")) throw new InvalidQueryError(`query key ${printable(key)} has an empty [] part`, key);
    merge(out, path, query[key]);
  }
  return out;
}

function merge(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined;
    if (next !== undefined && !isPlainObject(next)) throw new InvalidQueryError(`query key ${printable(path.join("."))} is given both as a value and as an object`, path.join("."));
    node = (next ?? (node[part] = Object.create(null))) as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  const existing = Object.prototype.hasOwnProperty.call(node, last) ? node[last] : undefined;
  if (existing !== undefined) {
    if (isPlainObject(existing) && isPlainObject(value)) {
      for (const k of Object.keys(value)) merge(existing, [k], value[k]);
      return;
    }
    throw new InvalidQueryError(`query key ${printable(path.join("."))} is given twice`, path.join("."));
  }
  node[last] = value;
}
