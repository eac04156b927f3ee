import { randomUUID } from "node:crypto";
import type { DataSource, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "../query/column-metadata";
import { InvalidConfigError } from "../errors";
import { quoteIdentifier } from "../query";
import type { CatalogColumn, TableCatalog } from "./table-catalog";
import { makeToText, type ToText } from "./value-text";
import { hasValidationRules } from "../repository/entity-validator";
import { relationsWithKeyColumns } from "../repository/writable-input";

/** How the bulk engine reads, converts and writes one column. @internal */
export interface ColumnPlan {
  column: ColumnMetadata;
  /** The entity property (for messages and input keys). */
  property: string;
  databaseName: string;
  quoted: string;
  /** `integer[]`, `jsonb[]`, `function_status[]`: the cast of this column's unnest parameter. */
  arrayType: string;
  /** `integer`, `jsonb` … for scalar casts. */
  type: string;
  /**
   * Cast applied to the unnested element: empty, or `::integer[]` for array columns, whose values
   * travel as `text[]` elements (unnest would flatten a two-dimensional array).
   */
  elementCast: string;
  catalog: CatalogColumn;
  /** The input value of a row; `undefined` means "not set". */
  read(row: ObjectLiteral): unknown;
  toText: ToText;
  /** SQL for the column default (`NULL` when there is none). */
  defaultSql: string;
  /** The default computed in JS, where it can be (a literal or a random uuid); used by COPY. */
  jsDefault?: () => string | null;
}

/** How new primary keys are made before the rows are written, so `ids[i]` belongs to `rows[i]`. */
export type KeyGeneration =
  | { kind: "sequence"; reserveSql: string; overriding: boolean }
  | { kind: "uuid" }
  | { kind: "input" };

/** Everything the engine needs to know about one entity's table. @internal */
export interface EntityPlan {
  metadata: EntityMetadata;
  table: string;
  /** Single-column primary key, or undefined for a composite one. */
  primary?: ColumnPlan;
  /** Every primary key column (one for a single-column key). */
  primaries: ColumnPlan[];
  keyGeneration?: KeyGeneration;
  /** Columns an insert may take from input (the generated key, dates and version excluded). */
  insertColumns: ColumnPlan[];
  /** Maintained columns without a database default (and the discriminator), written by the engine on insert. */
  insertFixed: { plan: ColumnPlan; text: () => string }[];
  /** Whether the entity class has class-validator rules (checked once per plan). */
  rules: boolean;
  /** Relations whose foreign-key columns are properties too: a row must not give them two values. */
  keyPairs: ReturnType<typeof relationsWithKeyColumns>;
  /** Generated columns a call may take from its rows with `keepGenerated: true` (not identity ALWAYS, not stored expressions). */
  generatedColumns: ColumnPlan[];
  /** The plans of calls with `keepGenerated: true` (without, with the generated key), made on first use. */
  keeping?: [EntityPlan?, EntityPlan?];
  /** To-many relation properties (many-to-many, one-to-many), which set-based writes do not write. */
  toMany: string[];
  /** A tree entity's kind (`closure-table`, `materialized-path`, `nested-set`, `adjacency-list`). */
  tree?: string;
  /** Input keys an insert accepts: column properties plus owning relation properties. */
  insertKeys: Set<string>;
  /** Column by input key (relations map to their join column). */
  byKey: Map<string, ColumnPlan>;
  createDate?: ColumnPlan;
  updateDate?: ColumnPlan;
  deleteDate?: ColumnPlan;
  version?: ColumnPlan;
}

const INTEGER_TYPES = new Set<unknown>(["int", "int2", "int4", "integer", "smallint", Number]);

/** Builds the plan of an entity from its TypeORM metadata and the live table catalog. @internal */
export function buildEntityPlan(dataSource: DataSource, metadata: EntityMetadata, catalog: TableCatalog): EntityPlan {
  const plans = new Map<ColumnMetadata, ColumnPlan>();
  for (const column of metadata.columns) {
    // a virtual column that is a relation's foreign key with no @Column of its own, or the
    // single-table-inheritance discriminator, is still a real column of the table
    if ((column.isVirtual && !column.relationMetadata && !column.isDiscriminator) || column.isVirtualProperty) continue;
    const live = catalog.columns.get(column.databaseName);
    if (!live) throw new InvalidConfigError(`${metadata.name}.${column.propertyName}: column ${column.databaseName} is missing from table ${catalog.table} (schema out of sync?)`);
    plans.set(column, columnPlan(dataSource, column, live));
  }
  const plan = (column: ColumnMetadata | undefined) => (column ? plans.get(column) : undefined);
  const maintained = new Set([metadata.createDateColumn, metadata.updateDateColumn, metadata.deleteDateColumn, metadata.versionColumn].filter(Boolean));
  const primary = metadata.primaryColumns.length === 1 ? plan(metadata.primaryColumns[0]) : undefined;

  const insertColumns: ColumnPlan[] = [];
  const generatedColumns: ColumnPlan[] = [];
  const insertFixed: EntityPlan["insertFixed"] = [];
  for (const [column, p] of plans) {
    if (p.catalog.generated === "s") continue;
    if (maintained.has(column) || column.isDiscriminator) {
      if (column.isDiscriminator) {
        const value = metadata.discriminatorValue;
        if (value !== undefined) insertFixed.push({ plan: p, text: () => value });
      } else if (p.catalog.defaultExpression === null && !column.isDeleteDate) {
        insertFixed.push({ plan: p, text: column.isVersion ? () => "1" : () => new Date().toISOString() });
      }
      continue;
    }
    if (column.isGenerated && !column.generatedType && p.catalog.identity !== "a") generatedColumns.push(p);
    if (!column.isInsert || column.isGenerated || column.generatedType || column.isMaterializedPath || column.isNestedSetLeft || column.isNestedSetRight) continue;
    insertColumns.push(p);
  }
  const byKey = new Map<string, ColumnPlan>();
  for (const p of plans.values()) if (!p.column.relationMetadata || !p.column.isVirtual) byKey.set(p.property, p);
  const insertKeys = new Set(insertColumns.filter((p) => !p.column.embeddedMetadata).map((p) => p.property));
  // an embedded object is a key of the row; its columns are read through it
  for (const embedded of metadata.embeddeds) if (embedded.columns.some((c) => insertColumns.includes(plans.get(c)!))) insertKeys.add(embedded.propertyName);
  for (const relation of metadata.relations) {
    if (!relation.isOwning || relation.joinColumns.length !== 1 || relation.embeddedMetadata) continue;
    const joinColumn = plan(relation.joinColumns[0]);
    if (!joinColumn) continue;
    byKey.set(relation.propertyName, joinColumn);
    if (insertColumns.includes(joinColumn)) insertKeys.add(relation.propertyName);
  }
  return {
    metadata,
    table: catalog.table,
    primary,
    primaries: metadata.primaryColumns.map((c) => plan(c)).filter((p): p is ColumnPlan => p !== undefined),
    keyGeneration: primary ? keyGeneration(primary, catalog.table) : undefined,
    insertColumns,
    insertFixed,
    generatedColumns,
    rules: hasValidationRules(metadata),
    keyPairs: relationsWithKeyColumns(metadata),
    tree: metadata.treeType,
    toMany: metadata.relations.filter((r) => r.isManyToMany || r.isOneToMany).map((r) => r.propertyName),
    insertKeys,
    byKey,
    createDate: plan(metadata.createDateColumn),
    updateDate: plan(metadata.updateDateColumn),
    deleteDate: plan(metadata.deleteDateColumn),
    version: plan(metadata.versionColumn),
  };
}

/**
 * The type to cast a value to: the column's type without its modifiers, except where dropping the
 * modifier narrows it (`character` is `char(1)`, `bit` is `bit(1)`): those take the unbounded type,
 * and the column's own length applies on assignment.
 */
function castType(type: string): string {
  const element = type.endsWith("[]") ? type.slice(0, -2) : type;
  const unbounded = element === "character" ? "bpchar" : element === "bit" ? "bit varying" : element;
  return type.endsWith("[]") ? `${unbounded}[]` : unbounded;
}

function columnPlan(dataSource: DataSource, column: ColumnMetadata, live: CatalogColumn): ColumnPlan {
  const type = castType(live.type);
  const property = column.embeddedMetadata ? column.propertyPath : column.propertyName;
  const direct = !column.embeddedMetadata && !column.relationMetadata;
  return {
    column,
    property,
    databaseName: column.databaseName,
    quoted: quoteIdentifier(column.databaseName),
    type,
    // array columns travel as text elements (unnest would flatten them), and so does box, whose
    // array literal separates elements with ";" rather than ","
    arrayType: type.endsWith("[]") || type === "box" ? "text[]" : `${type}[]`,
    elementCast: type.endsWith("[]") || type === "box" ? `::${type}` : "",
    catalog: live,
    read: direct ? (row) => row[property] : (row) => column.getEntityValue(row),
    toText: makeToText(column, dataSource.driver),
    defaultSql: live.defaultExpression ?? "NULL",
    jsDefault: jsDefault(column, live),
  };
}

/** A default that COPY can fill in itself: a constant literal, or a generated uuid. */
function jsDefault(column: ColumnMetadata, live: CatalogColumn): (() => string | null) | undefined {
  const expression = live.defaultExpression;
  if (column.isGenerated && column.generationStrategy === "uuid") return () => randomUUID();
  if (expression === null) return live.identity || live.generated ? undefined : () => null;
  if (/^(gen_random_uuid|uuid_generate_v4)\(\)$/.test(expression)) return () => randomUUID();
  const literal = /^'((?:[^']|'')*)'(?:::[\w ."[\]]+)?$/.exec(expression);
  if (literal) {
    const text = literal[1]!.replace(/''/g, "'");
    return () => text;
  }
  if (/^(true|false)$/.test(expression)) return expression === "true" ? () => "t" : () => "f";
  const numeric = /^\(?(-?\d+(?:\.\d+)?)\)?(?:::[\w ]+)?$/.exec(expression);
  if (numeric) {
    const text = numeric[1]!;
    return () => text;
  }
  return undefined;
}

/**
 * The plan of a call that keeps the generated values its rows give (`keepGenerated: true`, e.g. a load
 * of rows exported elsewhere): the generated columns become input columns; `withKey` takes a generated
 * primary key from the rows too. Computed once per plan. @internal
 */
export function keepingGenerated(plan: EntityPlan, withKey: boolean): EntityPlan {
  const keeping = (plan.keeping ??= []);
  const index = withKey ? 1 : 0;
  let found = keeping[index];
  if (!found) {
    const extra = plan.generatedColumns.filter((c) => withKey || c !== plan.primary);
    found = keeping[index] = {
      ...plan,
      insertColumns: [...plan.insertColumns, ...extra],
      insertKeys: new Set([...plan.insertKeys, ...plan.generatedColumns.map((c) => c.property)]),
      keyGeneration: withKey && plan.primary && extra.includes(plan.primary) ? { kind: "input" } : plan.keyGeneration,
    };
  }
  return found;
}

/** Whether the column's values are JS numbers (TypeORM reads bigint as a string). @internal */
export function isIntegerColumn(plan: ColumnPlan): boolean {
  return INTEGER_TYPES.has(plan.column.type);
}

function keyGeneration(primary: ColumnPlan, table: string): KeyGeneration {
  const { column, catalog } = primary;
  if (!column.isGenerated) return { kind: "input" };
  if (column.generationStrategy === "uuid") return { kind: "uuid" };
  const expression = catalog.sequence
    ? `nextval(${quoteLiteral(catalog.sequence)}::regclass)`
    : catalog.defaultExpression;
  if (!expression) throw new InvalidConfigError(`${table}.${primary.databaseName} is generated but has neither a sequence nor a default`);
  return {
    kind: "sequence",
    overriding: catalog.identity === "a",
    reserveSql: `SELECT string_agg(v::text, ',' ORDER BY v) AS ids FROM (SELECT ${expression} AS v FROM generate_series(1, $1::int)) AS reserved`,
  };
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
