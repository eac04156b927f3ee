import type { EntityMetadata, RelationMetadata } from "typeorm";
import type { ColumnMetadata } from "./column-metadata";
import { InvalidQueryError } from "../errors";
import { checkColumnValue, columnKind, describe, type ColumnKind } from "./column-value";
import { entityFields, isPlainObject, printable, unknownKey } from "./entity-fields";
import { columnRef, quoteIdentifier, tableRef } from "./sql-identifier";
import { isToMany, relatedMetadata, relationCondition } from "./relation-join";
import { toColumnValue } from "./column-transformer";
import { FROM_QUERY_STRING } from "./from-query-string";
import { SqlBindings } from "./sql-bindings";
import { isUntrusted } from "./untrusted-input";
import { escapeLike, filterOperator, operatorsIn, type FilterOperator, type OperatorGroup } from "./filter-operators";

/** Limits that keep a hostile filter from building an enormous statement. */
export const FILTER_LIMITS = { maxDepth: 16, maxConditions: 500, maxNodes: 2_000, maxListSize: 10_000 } as const;

export interface CompileFilterOptions {
  /** Where parameters and subquery aliases are collected; a fresh one when omitted. */
  bindings?: SqlBindings;
  /** Include soft-deleted rows of related entities in relation conditions. */
  withDeleted?: boolean;
  /** Convert text values to the column type (numbers, booleans); on by default for `parseListQuery` output. */
  coerceStrings?: boolean;
}

/** A compiled filter: SQL text with `:name` placeholders (undefined when it selects every row). */
export interface CompiledFilter {
  sql: string | undefined;
  parameters: Record<string, unknown>;
}

const LOGICAL = ["and", "or", "not"];

const GROUPS_BY_KIND: Partial<Record<ColumnKind, readonly OperatorGroup[]>> = {
  string: ["equality", "membership", "order", "text"],
  integer: ["equality", "membership", "order"],
  bigint: ["equality", "membership", "order"],
  decimal: ["equality", "membership", "order"],
  date: ["equality", "membership", "order"],
  uuid: ["equality", "membership", "order"],
  boolean: ["equality", "membership"],
  enum: ["equality", "membership"],
  json: ["equality"],
};

/** Each kind's operators, worked out once (a constant table, read on every filtered field). */
const OPERATORS_BY_KIND = new Map<ColumnKind, readonly string[]>(
  (Object.keys(GROUPS_BY_KIND) as ColumnKind[]).map((kind) => [kind, operatorsIn(GROUPS_BY_KIND[kind]!)]),
);
const NO_OPERATORS: readonly string[] = [];

/** The operators a column of this kind accepts. @internal */
export function operatorsFor(kind: ColumnKind): string[] {
  return [...(OPERATORS_BY_KIND.get(kind) ?? NO_OPERATORS)];
}

/**
 * Checks `where` against the entity metadata and compiles it to SQL on `alias`. Every field, relation,
 * operator and value is checked first; anything unknown or mistyped throws `InvalidQueryError`.
 * Relations become `EXISTS` subqueries, so a to-many relation means "some child matches" and never
 * multiplies the root rows.
 *
 * @example
 * const { sql, parameters } = compileFilter(metadata, "e", { status: "active", user: { email: { ilike: "%@acme.co" } } });
 */
export function compileFilter(metadata: EntityMetadata, alias: string, where: unknown, options: CompileFilterOptions = {}): CompiledFilter {
  const bindings = options.bindings ?? new SqlBindings();
  if (where === undefined || where === null) return { sql: undefined, parameters: bindings.parameters };
  const coerce = options.coerceStrings ?? (isPlainObject(where) && where[FROM_QUERY_STRING as never] === true);
  const compiler = new FilterCompiler(bindings, options.withDeleted ?? false, coerce);
  const sql = compiler.node(metadata, alias, where, "where", 0);
  return { sql: sql ?? undefined, parameters: bindings.parameters };
}

class FilterCompiler {
  private conditions = 0;
  private nodes = 0;

  constructor(private readonly bindings: SqlBindings, private readonly withDeleted: boolean, private readonly coerce: boolean) {}

  /** A filter object → SQL (null when it has no condition, i.e. TRUE). */
  node(metadata: EntityMetadata, alias: string, where: unknown, path: string, depth: number): string | null {
    if (depth > FILTER_LIMITS.maxDepth) throw new InvalidQueryError(`${path}: filter nested deeper than ${FILTER_LIMITS.maxDepth} levels`, path);
    if (!isPlainObject(where)) throw new InvalidQueryError(`${path} must be a filter object, got ${describe(where)}`, path);
    if (isUntrusted(where)) throw untrustedStructure(path);
    // every object counts, empty ones too: `{ and: Array(1e6).fill({}) }` is refused before it is walked
    if (++this.nodes > FILTER_LIMITS.maxNodes) throw new InvalidQueryError(`filter has more than ${FILTER_LIMITS.maxNodes} objects (at ${path})`, path);
    const fields = entityFields(metadata);
    const parts: string[] = [];
    for (const key of Object.keys(where)) {
      const value = where[key];
      if (value === undefined) continue;
      const at = path === "where" ? key : `${path}.${key}`;
      if (key === "and" || key === "or") {
        if (!Array.isArray(value)) throw new InvalidQueryError(`${at} must be an array of filters, got ${describe(value)}`, at);
        if (value.length > FILTER_LIMITS.maxNodes) {
          throw new InvalidQueryError(`${at} has ${value.length} filters; a filter has at most ${FILTER_LIMITS.maxNodes} objects`, at);
        }
        const branches = value.map((item, i) => this.node(metadata, alias, item, `${at}[${i}]`, depth + 1));
        if (key === "and") {
          const real = branches.filter((b): b is string => b !== null);
          if (real.length) parts.push(`(${real.join(" AND ")})`);
        } else if (branches.length === 0) parts.push("FALSE");
        else if (!branches.includes(null)) parts.push(`(${branches.join(" OR ")})`);
        continue;
      }
      if (key === "not") {
        const inner = this.node(metadata, alias, value, at, depth + 1);
        parts.push(inner === null ? "FALSE" : `NOT (${inner})`);
        continue;
      }
      const relation = fields.relations.get(key);
      if (relation) {
        parts.push(this.relation(relation, alias, value, at, depth));
        continue;
      }
      if (fields.embeddeds.has(key)) {
        // an embedded object: its keys name its columns (and embeddeds) by their dotted paths
        if (!isPlainObject(value)) throw new InvalidQueryError(`${at} is an embedded object: filter its fields, got ${describe(value)}`, at);
        const inner = this.node(metadata, alias, Object.fromEntries(Object.entries(value).map(([k, v]) => [`${key}.${k}`, v])), path, depth + 1);
        if (inner !== null) parts.push(inner);
        continue;
      }
      const column = fields.columns.get(key);
      if (!column) throw unknownKey(metadata, key, "filter field", [...fields.columns.keys(), ...fields.relations.keys(), ...LOGICAL]);
      parts.push(...this.field(column, alias, value, at));
    }
    return parts.length ? parts.join(" AND ") : null;
  }

  private relation(relation: RelationMetadata, alias: string, value: unknown, path: string, depth: number): string {
    this.count(path);
    const related = relatedMetadata(relation);
    const child = this.bindings.alias();
    const link = relationCondition(relation, alias, child);
    const live = related.deleteDateColumn && !this.withDeleted ? ` AND ${columnRef(child, related.deleteDateColumn)} IS NULL` : "";
    if (value === null) {
      if (isToMany(relation)) throw new InvalidQueryError(`${path}: a to-many relation cannot be null; filter its fields instead`, path);
      return `NOT EXISTS (SELECT 1 FROM ${tableRef(related)} ${quoteIdentifier(child)} WHERE ${link}${live})`;
    }
    const inner = this.node(related, child, value, path, depth + 1);
    return `EXISTS (SELECT 1 FROM ${tableRef(related)} ${quoteIdentifier(child)} WHERE ${link}${live}${inner === null ? "" : ` AND ${inner}`})`;
  }

  private field(column: ColumnMetadata, alias: string, value: unknown, path: string): string[] {
    const ref = columnRef(alias, column);
    const kind = columnKind(column);
    const allowed = OPERATORS_BY_KIND.get(kind) ?? NO_OPERATORS;
    if (!allowed.length) throw new InvalidQueryError(`${path} has column type ${String(column.type)}, which filters do not support`, path);
    if (value === null) {
      this.count(path);
      return [`${ref} IS NULL`];
    }
    if (Array.isArray(value)) throw new InvalidQueryError(`${path} got an array; use { in: [...] } to match any of several values`, path);
    if (!isPlainObject(value)) return [this.operator(column, kind, ref, "eq", value, path)];
    if (isUntrusted(value)) throw untrustedStructure(path);
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (!keys.length) throw new InvalidQueryError(`${path} has an empty operator object`, path, [...allowed]);
    return keys.map((op) => {
      if (!allowed.includes(op)) {
        throw new InvalidQueryError(`unknown operator ${printable(op)} for ${path} (${kind} column)`, `${path}.${op}`, [...allowed]);
      }
      return this.operator(column, kind, ref, op, value[op], `${path}.${op}`);
    });
  }

  private operator(column: ColumnMetadata, kind: ColumnKind, ref: string, op: string, raw: unknown, path: string): string {
    this.count(path);
    const operator = filterOperator(op)!;
    const json = kind === "json";
    const bind = (v: unknown) => {
      const placeholder = this.bindings.bind(checkColumnValue(column, toColumnValue(column, v), path, this.coerce));
      return json ? `CAST(${placeholder} AS jsonb)` : placeholder;
    };
    return operator.sql(ref, this.operand(operator, column, raw, path, bind), json ? `CAST(${ref} AS jsonb)` : ref);
  }

  /** Checks and binds an operator's operand; returns its placeholders. */
  private operand(operator: FilterOperator, column: ColumnMetadata, raw: unknown, path: string, bind: (v: unknown) => string): string[] {
    switch (operator.operand) {
      case "nullable":
        return raw === null ? [] : [bind(raw)];
      case "value":
        return [bind(raw)];
      case "list":
        return [this.bindings.bind(this.list(raw, path, column))];
      case "pair":
        if (!Array.isArray(raw) || raw.length !== 2) throw new InvalidQueryError(`${path} expects [from, to], got ${describe(raw)}`, path);
        return [bind(raw[0]), bind(raw[1])];
      case "flag":
        if (typeof raw !== "boolean") throw new InvalidQueryError(`${path} expects true or false, got ${describe(raw)}`, path);
        return [String(raw)];
      case "pattern":
        if (typeof raw !== "string") throw new InvalidQueryError(`${path} expects a pattern string, got ${describe(raw)}`, path);
        // "\" escapes the next character; one at the very end escapes nothing (SQLSTATE 22025)
        if (/(?:^|[^\\])(?:\\\\)*\\$/.test(raw)) {
          throw new InvalidQueryError(`${path}: a LIKE pattern cannot end with an escape character (\\); write \\\\ to match a backslash`, path);
        }
        return [bind(raw)];
      case "literal":
        if (typeof raw !== "string") throw new InvalidQueryError(`${path} expects a string, got ${describe(raw)}`, path);
        return [bind(operator.wrap!(escapeLike(raw)))];
    }
  }

  private list(raw: unknown, path: string, column: ColumnMetadata): unknown[] {
    if (!Array.isArray(raw)) throw new InvalidQueryError(`${path} expects an array, got ${describe(raw)}`, path);
    if (raw.length > FILTER_LIMITS.maxListSize) throw new InvalidQueryError(`${path} has ${raw.length} values; at most ${FILTER_LIMITS.maxListSize} are allowed`, path);
    return raw.map((v, i) => {
      if (v === null || v === undefined) throw new InvalidQueryError(`${path}[${i}] is ${String(v)}; use isNull to match null`, path);
      return checkColumnValue(column, toColumnValue(column, v), `${path}[${i}]`, this.coerce);
    });
  }

  private count(path: string): void {
    if (++this.conditions > FILTER_LIMITS.maxConditions) {
      throw new InvalidQueryError(`filter has more than ${FILTER_LIMITS.maxConditions} conditions (at ${path})`, path);
    }
  }
}

/** A filter object (the filter, a relation's sub-filter, an operator object) that came from outside. */
function untrustedStructure(path: string): InvalidQueryError {
  return new InvalidQueryError(
    `${path}: an object from untrusted input cannot be filter structure (an operator or a nested filter); compare a value with { eq: value }, or parse a query string with parseListQuery`,
    path,
  );
}
