import type { DataSource, EntityMetadata, EntitySchema, EntityTarget, ObjectLiteral, Repository } from "typeorm";
import type { AsyncBaseRepository, Filter, Unitwork } from "../../src";

/**
 * One mapping under test: entities, the rows to write through both unitwork and TypeORM, and what
 * to compare. `rows(tag)` must give rows whose unique values differ for each tag, so the same rows
 * can be written once per write path.
 */
export interface MappingCase {
  name: string;
  /** Where the entity definitions come from (a vendored source, or "generated"). */
  source: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: (Function | EntitySchema)[];
  /** The entity whose repository is exercised. */
  root: EntityTarget<ObjectLiteral>;
  /** Extra DataSource options (naming strategy …). */
  dataSource?: Record<string, unknown>;
  /** Writes what the rows refer to, through TypeORM; its result is given to `rows`. */
  setup?: (dataSource: DataSource) => Promise<Record<string, unknown>>;
  rows: (tag: number, context: Record<string, unknown>) => ObjectLiteral[];
  /**
   * Filters compared between `findMany({ where })` and TypeORM's `find({ where })`: the same object
   * where the two agree (equality, nesting), or `{ uw, orm }` where operators are spelt differently.
   */
  filters?: (context: Record<string, unknown>) => (ObjectLiteral | FilterPair)[];
  /** Statements run on the fresh database before TypeORM connects (e.g. `CREATE SCHEMA`). */
  sql?: string[];
  /** Sort keys compared (`{ title: "ASC" }`); the primary key is the tie-breaker on both sides. */
  orders?: ObjectLiteral[];
  /** Relation names compared between `relations`/`loadRelations` and TypeORM's `relations`. */
  relations?: string[];
  /** A patch for bulkUpdate/update, compared with TypeORM's `update`. */
  patch?: (row: ObjectLiteral) => ObjectLiteral;
  /** A unique key for bulkUpsert, compared with TypeORM's `upsert`. */
  upsertKey?: string[];
  /** Properties whose values differ between the two write paths by design (beyond generated ones). */
  ignore?: string[];
  /** Methods that refuse this mapping with a typed error naming it: method → error class name. */
  refused?: Record<string, string>;
}

/** One filter in unitwork's spelling and TypeORM's (`{ startsWith: "a" }` and `Like("a%")`). */
export interface FilterPair {
  uw: ObjectLiteral;
  orm: ObjectLiteral;
}

export function isPair(filter: ObjectLiteral | FilterPair | undefined): filter is FilterPair {
  return filter !== undefined && "uw" in filter && "orm" in filter && Object.keys(filter).length === 2;
}

export interface CheckResult {
  case: string;
  check: string;
  ok: boolean;
  error?: string;
}

/** A plain, comparable form of an entity graph: class names kept, undefined dropped, arrays of entities sorted. */
export function plain(value: unknown, drop: ReadonlySet<string>, depth = 0): unknown {
  if (value === null || value === undefined || typeof value !== "object") return typeof value === "bigint" ? `${value}n` : value;
  if (depth > 8) return "…";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : { $date: value.toISOString() };
  if (Buffer.isBuffer(value)) return { $bytes: value.toString("hex") };
  if (Array.isArray(value)) {
    const items = value.map((item) => plain(item, drop, depth + 1));
    return items.every((item) => item !== null && typeof item === "object") ? items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : items;
  }
  const out: Record<string, unknown> = {};
  const name = (value as object).constructor?.name;
  if (name && name !== "Object") out.$class = name;
  for (const key of Object.keys(value).sort()) {
    const inner = (value as ObjectLiteral)[key] as unknown;
    if (inner === undefined || drop.has(key)) continue;
    out[key] = plain(inner, drop, depth + 1);
  }
  return out;
}

/** Properties generated on write (keys, dates, versions, generated values, tree structure), in every entity of the case. */
export function generatedProperties(dataSource: DataSource): Set<string> {
  const names = new Set<string>();
  for (const metadata of dataSource.entityMetadatas) {
    for (const column of metadata.columns) {
      const c = column;
      if (c.isGenerated || c.isCreateDate || c.isUpdateDate || c.isDeleteDate || c.generatedType || c.isMaterializedPath || c.isNestedSetLeft || c.isNestedSetRight) names.add(c.propertyName);
    }
  }
  return names;
}

/** The primary key of an entity as the id unitwork takes: the value, or an object for a composite key. */
export function idOf(metadata: EntityMetadata, entity: ObjectLiteral): unknown {
  const primaries = metadata.primaryColumns;
  if (primaries.length === 1) return primaries[0]!.getEntityValue(entity);
  return Object.fromEntries(primaries.map((c) => [c.propertyName, c.getEntityValue(entity)]));
}

/** TypeORM's `where` for one primary key. */
export function whereId(metadata: EntityMetadata, entity: ObjectLiteral): ObjectLiteral {
  return metadata.getEntityIdMap(entity) ?? {};
}

/** The primary-key order, for TypeORM's `order` and unitwork's `orderBy`. */
export function keyOrder(metadata: EntityMetadata): Record<string, "ASC"> {
  return Object.fromEntries(metadata.primaryColumns.map((c) => [c.propertyName, "ASC" as const]));
}

export interface Sides {
  uw: Unitwork;
  dataSource: DataSource;
  repo: AsyncBaseRepository<ObjectLiteral>;
  orm: Repository<ObjectLiteral>;
  metadata: EntityMetadata;
  drop: Set<string>;
}

/** unitwork's and TypeORM's answers to `find` with a filter, an order and relations. */
export async function bothFind(s: Sides, filter: ObjectLiteral | FilterPair | undefined, order: ObjectLiteral, relations?: string[]): Promise<[unknown, unknown]> {
  const rel = relations && Object.fromEntries(relations.map((r) => [r, true]));
  const [where, ormWhere] = isPair(filter) ? [filter.uw, filter.orm] : [filter, filter];
  const ours = await s.repo.findMany({ where: where as Filter<ObjectLiteral>, orderBy: order as never, relations: rel as never, limit: 1000 });
  const theirs = await s.orm.find({ where: ormWhere, order, relations: rel, take: 1000 } as never);
  return [plain(ours, new Set()), plain(theirs, new Set())];
}
