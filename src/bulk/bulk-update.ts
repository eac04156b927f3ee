import type { ObjectLiteral } from "typeorm";
import { ConcurrencyError, ValidationError } from "../errors";
import type { BulkUpdateOptions, BulkUpdateResult, EntityId } from "../repository";
import type { ColumnPlan, EntityPlan } from "./entity-plan";
import { columnValueCheck } from "../repository/column-value-check";
import { keyRefusal } from "../repository/writable-input";
import { isIntegerColumn } from "./entity-plan";
import type { RowLocator } from "./failed-row";
import { checkRowKeys, prepareColumns, validateRows } from "./prepared-columns";
import { keyColumnTexts } from "./primary-keys";
import { chunkSizeOption, rowChunks } from "./row-chunks";
import { UnnestSource } from "./unnest-source";
import type { BulkConnection } from "./bulk-connection";
import { StatementPipeline } from "./statement-pipeline";

export const DEFAULT_UPDATE_CHUNK = 10_000;

/**
 * `bulkUpdate`: one `UPDATE … FROM unnest(…)` per chunk. Columns a row leaves undefined keep their
 * value (a per-column "is set" array), `@UpdateDateColumn` is set, a `@VersionColumn` is bumped and,
 * for rows that carry the version they read, checked (`ConcurrencyError` naming the stale ids).
 * Soft-deleted rows are not updated. @internal
 */
export async function bulkUpdate(connection: BulkConnection, plan: EntityPlan, rows: unknown, options: BulkUpdateOptions): Promise<BulkUpdateResult> {
  const primary = plan.primary ?? plan.primaries[0]!;
  const chunkSize = chunkSizeOption(options.chunkSize, DEFAULT_UPDATE_CHUNK);
  const columns = updatableColumns(plan);
  const target: UpdateTarget = { plan, primary, columns, allowed: allowedKeys(plan, primary, columns), seen: new Map() };
  const stale: EntityId[] = [];
  const pipeline = new StatementPipeline();
  let count = 0;
  // every row's keys are checked before the first chunk is sent: a refused row sends nothing
  if (Array.isArray(rows)) {
    checkRowKeys(plan, rows, 0, target.allowed, (key) => refusal(plan, key));
    keyColumnTexts(plan, rows, 0, new Map(), true);
    if (rows.length > chunkSize) checkValues(plan.metadata.name, columns, rows);
  }
  try {
    for await (const { rows: chunk, offset } of rowChunks<ObjectLiteral>(rows, chunkSize)) {
      const statement = updateStatement(target, chunk, offset);
      if (options.validate !== false) await validateRows(plan, chunk, offset, "update");
      await pipeline.push(async () => {
        count += await runUpdate(connection, plan, primary, statement, stale);
        options.onProgress?.(offset + chunk.length);
      });
    }
    await pipeline.drain();
  } catch (error) {
    return pipeline.fail(error);
  }
  // every chunk ran, so the error names every stale row; the call's savepoint undoes the rest
  if (stale.length) throw new ConcurrencyError(plan.metadata.name, stale);
  return { count };
}

/** What every chunk of one bulkUpdate shares; `seen` finds a key repeated across chunks. */
interface UpdateTarget {
  plan: EntityPlan;
  primary: ColumnPlan;
  columns: ColumnPlan[];
  allowed: Set<string>;
  seen: Map<string, number>;
}

interface UpdateStatement {
  sql: string;
  parameters: unknown[];
  locator: RowLocator;
  keys: string[];
  /** The version each row read, when the entity has a version column. */
  versions?: (string | null)[];
}

/** Checks and renders one chunk as `UPDATE … FROM unnest(…)`. */
function updateStatement({ plan, primary, columns, allowed, seen }: UpdateTarget, chunk: readonly ObjectLiteral[], offset: number): UpdateStatement {
  checkRowKeys(plan, chunk, offset, allowed, (key) => refusal(plan, key));
  const keyTexts = keyColumnTexts(plan, chunk, offset, seen, true);
  const keys = plan.primary ? keyTexts[0]! : chunk.map((_, r) => keyTexts.map((texts) => texts[r]).join("\u001f"));
  const prepared = prepareColumns(plan.metadata, chunk, offset, columns);
  const version = plan.version ? prepareColumns(plan.metadata, chunk, offset, [plan.version])[0] : undefined;

  const source = new UnnestSource();
  const where = plan.primaries.map((column, j) => `t.${column.quoted} = ${source.add(keyTexts[j]!, column.arrayType, `k${j}`)}`);
  const sets = prepared.map((column, i) => `${column.plan.quoted} = ${source.addColumn(column, i, `t.${column.plan.quoted}`)}`);
  if (plan.deleteDate) where.push(`t.${plan.deleteDate.quoted} IS NULL`);
  if (version) {
    const expected = source.add(version.texts, version.plan.arrayType, "v");
    where.push(`(${expected} IS NULL OR t.${version.plan.quoted} = ${expected})`);
  }
  if (plan.updateDate) sets.push(`${plan.updateDate.quoted} = CURRENT_TIMESTAMP`);
  if (plan.version) sets.push(`${plan.version.quoted} = t.${plan.version.quoted} + 1`);
  if (!sets.length) sets.push(`${primary.quoted} = t.${primary.quoted}`);
  const returned = plan.primaries.map((c) => `t.${c.quoted}::text`).join(" || chr(31) || ");
  const sql = `UPDATE ${plan.table} AS t SET ${sets.join(", ")} FROM ${source.from} WHERE ${where.join(" AND ")}${version ? ` RETURNING ${returned} AS k` : ""}`;
  const locator: RowLocator = {
    offset,
    columns: new Map([...plan.primaries.map((c, j) => [c.databaseName, keyTexts[j]!] as const), ...prepared.map((c) => [c.plan.databaseName, c.texts] as const)]),
    primaryKey: plan.primary ? primary.databaseName : undefined,
    primaryKeyPosition: plan.primary ? primary.catalog.position : undefined,
  };
  return { sql, parameters: source.parameters, locator, keys, versions: version?.texts };
}

/** Runs one chunk's UPDATE; adds the rows that carried a version no longer current to `stale`. */
async function runUpdate(connection: BulkConnection, plan: EntityPlan, primary: ColumnPlan, statement: UpdateStatement, stale: EntityId[]): Promise<number> {
  const result = await connection.query(statement.sql, statement.parameters, statement.locator);
  const { keys, versions } = statement;
  if (versions) {
    const updated = new Set((result.records as { k: string }[]).map((r) => r.k));
    for (let r = 0; r < keys.length; r++) {
      if (versions[r] !== null && !updated.has(keys[r]!)) stale.push(staleId(plan, primary, keys[r]!));
    }
  }
  return result.affected ?? 0;
}

/** A stale row's id as the caller gave it: the key value, or an object of the key's properties. */
function staleId(plan: EntityPlan, primary: ColumnPlan, key: string): EntityId {
  if (plan.primary) return isIntegerColumn(primary) ? Number(key) : key;
  const parts = key.split("\u001f");
  return Object.fromEntries(plan.primaries.map((c, j) => [c.property, isIntegerColumn(c) ? Number(parts[j]) : parts[j]!])) as unknown as EntityId;
}

function allowedKeys(plan: EntityPlan, _primary: ColumnPlan, columns: ColumnPlan[]): Set<string> {
  const allowed = new Set<string>([...plan.primaries.map((c) => c.property), ...(plan.version ? [plan.version.property] : [])]);
  for (const [key, column] of plan.byKey) if (columns.includes(column) && !column.column.embeddedMetadata) allowed.add(key);
  for (const embedded of plan.metadata.embeddeds) if (columns.some((c) => c.column.embeddedMetadata === embedded)) allowed.add(embedded.propertyName);
  return allowed;
}

/**
 * Columns an update may set: not the key, not generated, not maintained by unitwork, not the
 * discriminator, and not a tree's structure (its columns, or the parent of a tree TypeORM maintains).
 */
function updatableColumns(plan: EntityPlan): ColumnPlan[] {
  const maintained = new Set([plan.createDate, plan.updateDate, plan.deleteDate, plan.version]);
  const treeParent = plan.tree && plan.tree !== "adjacency-list" ? plan.metadata.treeParentRelation?.joinColumns[0] : undefined;
  const out: ColumnPlan[] = [];
  for (const column of plan.insertColumns) {
    const c = column.column;
    if (column === plan.primary || c.isPrimary || !c.isUpdate || maintained.has(column) || c === treeParent) continue;
    out.push(column);
  }
  return out;
}

function refusal(plan: EntityPlan, key: string): string {
  const column = plan.byKey.get(key);
  if (!column) return `${key} is not a column of ${plan.metadata.name}`;
  if (column.column.isPrimary) return `${key} is part of the primary key and cannot be changed`;
  const reason = keyRefusal(plan.metadata, key, undefined, "update");
  if (reason) return reason;
  if (plan.tree) return `${key} places the node in its ${plan.tree} tree, which TypeORM maintains; move nodes with TypeORM's TreeRepository`;
  return `${key} is maintained by unitwork and cannot be set`;
}

/**
 * Checks every value of a call spanning several chunks against its column before the first chunk is
 * sent (a single chunk is checked while it is rendered, before it is sent). The rows are named in
 * the error as the chunks name them.
 */
function checkValues(entity: string, columns: readonly ColumnPlan[], rows: readonly ObjectLiteral[]): void {
  const checks = columns.map((c) => [c.property, columnValueCheck(c.column)] as const);
  rows.forEach((row, r) => {
    for (const [key, check] of checks) {
      const reason = check(row[key]);
      if (reason) throw new ValidationError(entity, [{ property: key, value: row[key], row: r, constraints: { column: `${key} ${reason}` } }]);
    }
  });
}
