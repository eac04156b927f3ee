import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import type { BulkUpsertOptions, BulkUpsertResult } from "../repository";
import { keepingGenerated, type ColumnPlan, type EntityPlan } from "./entity-plan";
import type { RowLocator } from "./failed-row";
import { advanceKeySequence, keepOption, refusal } from "./bulk-insert";
import { checkRowKeys, prepareColumns, validateRows, type PreparedColumn } from "./prepared-columns";
import { chunkSizeOption, rowChunks } from "./row-chunks";
import { UnnestSource } from "./unnest-source";
import type { BulkConnection } from "./bulk-connection";
import { StatementPipeline } from "./statement-pipeline";

export const DEFAULT_UPSERT_CHUNK = 10_000;

/**
 * `bulkUpsert`: `INSERT … SELECT FROM unnest(…) ON CONFLICT (…) DO UPDATE`, counting inserted and
 * updated rows exactly with `xmax = 0`. Rows of a chunk that set different columns go in separate
 * statements, so a column a row leaves out gets its default on insert and keeps its value on update.
 * @internal
 */
export async function bulkUpsert<T>(connection: BulkConnection, entityPlan: EntityPlan, rows: unknown, options: BulkUpsertOptions<T>): Promise<BulkUpsertResult> {
  // upserted rows that give their generated keys keep them (ON CONFLICT on a natural key)
  const keep = keepOption(options.keepGenerated);
  const plan = keep ? keepingGenerated(entityPlan, true) : entityPlan;
  const conflict = conflictColumns(plan, options.conflictPaths as unknown);
  const updatable = updateColumns(plan, conflict, options.updateColumns as unknown);
  const chunkSize = chunkSizeOption(options.chunkSize, DEFAULT_UPSERT_CHUNK);
  const result = { inserted: 0, updated: 0 };
  const pipeline = new StatementPipeline();
  try {
    for await (const { rows: chunk, offset } of rowChunks<ObjectLiteral>(rows, chunkSize)) {
      checkRowKeys(plan, chunk, offset, plan.insertKeys, (key) => refusal(plan, key));
      if (options.validate !== false) await validateRows(plan, chunk, offset, "create");
      const prepared = prepareColumns(plan.metadata, chunk, offset, plan.insertColumns);
      checkConflictKeys(prepared, conflict, chunk.length, offset);
      const groups = groupsBySetColumns(prepared, chunk.length);
      for (const [g, group] of groups.entries()) {
        const statement = upsertStatement(plan, group, conflict, updatable, offset);
        await pipeline.push(async () => {
          const counts = await runUpsert(connection, statement, group, offset);
          result.inserted += counts.inserted;
          result.updated += counts.updated;
          if (g === groups.length - 1) options.onProgress?.(offset + chunk.length);
        });
      }
    }
    await pipeline.drain();
  } catch (error) {
    return pipeline.fail(error);
  }
  if (keep) await advanceKeySequence(connection, entityPlan);
  return result;
}

interface UpsertStatement {
  sql: string;
  parameters: unknown[];
  locator: RowLocator;
}

/** Renders one group of a chunk (rows that set the same columns) as one `INSERT … ON CONFLICT`. */
function upsertStatement(plan: EntityPlan, group: Group, conflict: ColumnPlan[], updatable: ColumnPlan[] | undefined, offset: number): UpsertStatement {
  const source = new UnnestSource();
  const { parameters } = source;
  const { targets, select } = source.insertList(group.columns, plan.insertFixed);
  const present = new Set(group.columns.map((c) => c.plan));
  const sets = (updatable ?? plan.insertColumns.filter((c) => !conflict.includes(c))).filter((c) => present.has(c)).map((c) => `${c.quoted} = EXCLUDED.${c.quoted}`);
  if (sets.length || updatable === undefined) {
    if (plan.updateDate) sets.push(`${plan.updateDate.quoted} = CURRENT_TIMESTAMP`);
    if (plan.version) sets.push(`${plan.version.quoted} = t.${plan.version.quoted} + 1`);
  }
  const action = sets.length ? `DO UPDATE SET ${sets.join(", ")}` : "DO NOTHING";
  const sql =
    `WITH r AS (INSERT INTO ${plan.table} AS t (${targets.join(", ")}) ` +
    `SELECT ${select.join(", ")} FROM ${source.from} ` +
    `ON CONFLICT (${conflict.map((c) => c.quoted).join(", ")}) ${action} RETURNING (xmax = 0) AS inserted) ` +
    `SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM r`;
  const locator: RowLocator = { offset, columns: new Map(group.columns.map((c) => [c.plan.databaseName, c.texts] as const)) };
  return { sql, parameters, locator };
}

async function runUpsert(connection: BulkConnection, statement: UpsertStatement, group: Group, offset: number): Promise<{ inserted: number; updated: number }> {
  try {
    const result = await connection.query(statement.sql, statement.parameters, statement.locator);
    return result.records[0] as { inserted: number; updated: number };
  } catch (error) {
    // The statement's rows are a subset of the chunk: map the index back to the call.
    const located = error as { rowIndex?: number; message: string };
    if (typeof located.rowIndex === "number") {
      const local = located.rowIndex - offset;
      const row = offset + group.rows[local]!;
      located.message = located.message.replace(`(row ${located.rowIndex})`, `(row ${row})`);
      located.rowIndex = row;
    }
    throw error;
  }
}

interface Group {
  /** Chunk indexes of the rows in this group. */
  rows: number[];
  columns: PreparedColumn[];
}

/** Splits a chunk by which columns its rows set; usually there is one group. */
function groupsBySetColumns(prepared: PreparedColumn[], size: number): Group[] {
  if (prepared.every((c) => !c.set)) return [{ rows: Array.from({ length: size }, (_, r) => r), columns: prepared }];
  const groups = new Map<string, number[]>();
  for (let r = 0; r < size; r++) {
    let signature = "";
    for (const column of prepared) signature += !column.set || column.set[r] ? "1" : "0";
    let rows = groups.get(signature);
    if (!rows) groups.set(signature, (rows = []));
    rows.push(r);
  }
  return [...groups].map(([signature, rows]) => ({
    rows,
    columns: prepared.filter((_, c) => signature[c] === "1").map((column) => ({ plan: column.plan, texts: rows.map((r) => column.texts[r]!) })),
  }));
}

function conflictColumns(plan: EntityPlan, paths: unknown): ColumnPlan[] {
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === "string")) {
    throw new InvalidQueryError("bulkUpsert needs conflictPaths: a non-empty list of properties that form a unique key", "conflictPaths");
  }
  const columns = paths.map((path: string) => {
    const column = plan.byKey.get(path);
    if (!column) throw new InvalidQueryError(`conflictPaths: ${path} is not a column of ${plan.metadata.name}`, path, [...plan.byKey.keys()]);
    if (column.column.isPrimary && column.column.isGenerated) {
      throw new InvalidQueryError(
        `conflictPaths: ${path} is a generated key, which unitwork never takes from input, so ON CONFLICT (${column.databaseName}) could never match and every row would be inserted again; ` +
          "use a unique natural key (or bulkUpdate for rows that have their ids)",
        path,
      );
    }
    return column;
  });
  const wanted = columns.map((c) => c.databaseName).sort().join(",");
  const metadata = plan.metadata;
  const uniqueKeys = [
    metadata.primaryColumns,
    ...metadata.uniques.map((u) => u.columns),
    ...metadata.indices.filter((i) => i.isUnique && !i.where).map((i) => i.columns),
  ].map((key) => key.map((c) => c.databaseName).sort().join(","));
  if (!uniqueKeys.includes(wanted)) {
    throw new InvalidQueryError(`conflictPaths (${paths.join(", ")}) are not a unique key of ${metadata.name}`, "conflictPaths", [...new Set(uniqueKeys)]);
  }
  return columns;
}

function updateColumns(plan: EntityPlan, conflict: ColumnPlan[], paths: unknown): ColumnPlan[] | undefined {
  if (paths === undefined) return undefined;
  if (!Array.isArray(paths)) throw new InvalidQueryError("updateColumns must be a list of properties", "updateColumns");
  return paths.map((path: unknown) => {
    const column = typeof path === "string" ? plan.byKey.get(path) : undefined;
    if (!column || !plan.insertColumns.includes(column)) {
      throw new InvalidQueryError(`updateColumns: ${String(path)} is not a column an upsert can set`, String(path), plan.insertColumns.map((c) => c.property));
    }
    if (conflict.includes(column)) throw new InvalidQueryError(`updateColumns: ${path} is a conflict path`, String(path));
    return column;
  });
}

/** Every row sets the conflict key, and no key repeats in the chunk (PostgreSQL refuses that). */
function checkConflictKeys(prepared: PreparedColumn[], conflict: ColumnPlan[], size: number, offset: number): void {
  const columns = conflict.map((column) => prepared.find((c) => c.plan === column));
  const seen = new Map<string, number>();
  for (let r = 0; r < size; r++) {
    let key = "";
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c];
      if (!column || (column.set && !column.set[r])) {
        throw new InvalidQueryError(`row ${offset + r} leaves the conflict path ${conflict[c]!.property} unset; every row needs its conflict key`, conflict[c]!.property);
      }
      key += `${column.texts[r]}\u0000`;
    }
    const first = seen.get(key);
    if (first !== undefined) throw new InvalidQueryError(`rows ${offset + first} and ${offset + r} have the same conflict key (${conflict.map((c) => c.property).join(", ")}); PostgreSQL cannot upsert a row twice in one statement`, "conflictPaths");
    seen.set(key, r);
  }
}
