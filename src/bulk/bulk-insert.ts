import { randomUUID } from "node:crypto";
import type { EntityManager, ObjectLiteral } from "typeorm";
import { InvalidQueryError, ValidationError, type ValidationIssue } from "../errors";
import type { BulkInsertOptions, BulkInsertResult, EntityId } from "../repository";
import { validationIssues } from "../repository/entity-validator";
import { writableInputIssues } from "../repository/writable-input";
import { isIntegerColumn, type ColumnPlan, type EntityPlan } from "./entity-plan";
import type { RowLocator } from "./failed-row";
import { checkRowKeys, prepareColumns, type PreparedColumn } from "./prepared-columns";
import { chunkSizeOption, rowChunks } from "./row-chunks";
import { copyField } from "./sql-text";
import { runCopy, runStatement } from "./statement";
import { UnnestSource } from "./unnest-source";

/** Rows per statement by default: big enough to amortise a round trip, small enough to stay lean. */
export const DEFAULT_INSERT_CHUNK = 10_000;
/** Below this many rows (an array) `unnest` wins over COPY's extra protocol steps. */
export const COPY_MIN_ROWS = 1_000;

/** `bulkInsert`: chunked COPY or `INSERT … SELECT FROM unnest(…)`, keys reserved first. @internal */
export async function bulkInsert(manager: EntityManager, plan: EntityPlan, rows: unknown, options: BulkInsertOptions): Promise<BulkInsertResult> {
  const returning = options.returning ?? "ids";
  if (returning !== "ids" && returning !== "none") throw new InvalidQueryError(`returning must be "ids" or "none", got ${JSON.stringify(returning)}`, "returning");
  if (options.strategy !== undefined && options.strategy !== "copy" && options.strategy !== "unnest") {
    throw new InvalidQueryError(`strategy must be "copy" or "unnest", got ${JSON.stringify(options.strategy)}`, "strategy");
  }
  const wantIds = returning === "ids";
  if (wantIds && !plan.primary) {
    throw new InvalidQueryError(`${plan.metadata.name} has a composite primary key; use bulkInsert(rows, { returning: "none" })`, "returning");
  }
  const chunkSize = chunkSizeOption(options.chunkSize, DEFAULT_INSERT_CHUNK);
  const small = Array.isArray(rows) && rows.length < COPY_MIN_ROWS;
  const preferCopy = options.strategy ? options.strategy === "copy" : !small;
  if (options.validate && Array.isArray(rows)) await validateRows(plan, rows as ObjectLiteral[], 0);

  const ids: EntityId[] | undefined = wantIds ? [] : undefined;
  let done = 0;
  for await (const chunk of rowChunks<ObjectLiteral>(rows, chunkSize)) {
    checkRowKeys(plan.metadata, chunk, done, plan.insertKeys, (key) => refusal(plan, key));
    if (options.validate && !Array.isArray(rows)) await validateRows(plan, chunk, done);
    const columns = prepareColumns(plan.metadata, chunk, done, plan.insertColumns);
    const keys = await generatedKeys(manager, plan, chunk.length, wantIds);
    if (keys) columns.unshift(keys);
    if (ids) for (const id of keyValues(plan, keys ?? columns.find((c) => c.plan === plan.primary), chunk.length, done)) ids.push(id);
    const locator = rowLocator(plan, columns, done);
    const copyable = preferCopy && !(plan.keyGeneration?.kind === "sequence" && plan.keyGeneration.overriding) && columns.every((c) => !c.set || c.plan.jsDefault);
    if (copyable) await copyChunk(manager, plan, columns, chunk.length, locator);
    else await unnestChunk(manager, plan, columns, chunk.length, locator);
    done += chunk.length;
    options.onProgress?.(done);
  }
  return ids ? { count: done, ids } : { count: done };
}

/** New keys for a chunk: reserved from the sequence (one round trip) or random uuids. */
async function generatedKeys(manager: EntityManager, plan: EntityPlan, size: number, wantIds: boolean): Promise<PreparedColumn | undefined> {
  const generation = plan.keyGeneration;
  if (!wantIds || !generation || generation.kind === "input") return undefined;
  const primary = plan.primary!;
  if (generation.kind === "uuid") return { plan: primary, texts: Array.from({ length: size }, () => randomUUID()) };
  const result = await runStatement(manager, generation.reserveSql, [size]);
  const reserved = (result.records[0] as { ids: string | null }).ids;
  return { plan: primary, texts: reserved ? reserved.split(",") : [] };
}

function keyValues(plan: EntityPlan, keys: PreparedColumn | undefined, size: number, offset: number): EntityId[] {
  if (!keys) throw new InvalidQueryError(`${plan.metadata.name}: rows ${offset}… carry no ${plan.primary!.property}, which is not generated`, plan.primary!.property);
  const numeric = isIntegerColumn(plan.primary!);
  const out = new Array<EntityId>(size);
  for (let r = 0; r < size; r++) {
    const text = keys.texts[r];
    if (text === null || text === undefined || keys.set?.[r] === false) {
      throw new InvalidQueryError(`${plan.metadata.name}: row ${offset + r} has no ${plan.primary!.property}, which is not generated`, plan.primary!.property);
    }
    out[r] = numeric ? Number(text) : text;
  }
  return out;
}

function rowLocator(plan: EntityPlan, columns: readonly PreparedColumn[], offset: number): RowLocator {
  const texts = new Map(columns.map((c) => [c.plan.databaseName, c.texts] as const));
  const primary = plan.primary && texts.has(plan.primary.databaseName) ? plan.primary : undefined;
  return { offset, columns: texts, primaryKey: primary?.databaseName, primaryKeyPosition: primary?.catalog.position };
}

/** `INSERT … SELECT … FROM unnest($1::type[], …)`: one parameter per column, whatever the row count. */
async function unnestChunk(manager: EntityManager, plan: EntityPlan, columns: readonly PreparedColumn[], size: number, locator: RowLocator): Promise<void> {
  const source = new UnnestSource();
  const select = columns.map((column, i) => source.addColumn(column, i, column.plan.defaultSql));
  const { parameters } = source;
  const targets = columns.map((c) => c.plan.quoted);
  for (const fixed of plan.insertFixed) {
    parameters.push(fixed.text());
    targets.push(fixed.plan.quoted);
    select.push(`$${parameters.length}::${fixed.plan.type}`);
  }
  const overriding = plan.keyGeneration?.kind === "sequence" && plan.keyGeneration.overriding && columns[0]?.plan === plan.primary ? " OVERRIDING SYSTEM VALUE" : "";
  // every fixed value comes after the arrays, so unnest's placeholders are unaffected by them
  const from = columns.length ? ` FROM ${source.from}` : ` FROM generate_series(1, $${parameters.push(size)}::int)`;
  const into = targets.length ? ` (${targets.join(", ")})` : "";
  const sql = `INSERT INTO ${plan.table}${into}${overriding} SELECT ${select.join(", ")}${from}`;
  await runStatement(manager, sql, parameters, locator);
}

/** COPY … FROM STDIN in text format, streamed in ~64 KB pieces. */
async function copyChunk(manager: EntityManager, plan: EntityPlan, columns: readonly PreparedColumn[], size: number, locator: RowLocator): Promise<void> {
  const targets = [...columns.map((c) => c.plan.quoted), ...plan.insertFixed.map((f) => f.plan.quoted)];
  const fixed = plan.insertFixed.map((f) => `\t${copyField(f.text())}`).join("");
  const sql = `COPY ${plan.table} (${targets.join(", ")}) FROM STDIN`;
  function* lines(): Generator<string> {
    let buffer = "";
    const count = columns.length;
    for (let r = 0; r < size; r++) {
      let line = "";
      for (let c = 0; c < count; c++) {
        const column = columns[c]!;
        const text = column.set && !column.set[r] ? column.plan.jsDefault!() : column.texts[r]!;
        line += (c ? "\t" : "") + copyField(text);
      }
      buffer += `${line}${fixed}\n`;
      if (buffer.length >= 65_536) {
        yield buffer;
        buffer = "";
      }
    }
    if (buffer) yield buffer;
  }
  await runCopy(manager, sql, lines(), locator);
}

async function validateRows(plan: EntityPlan, rows: readonly ObjectLiteral[], offset: number): Promise<void> {
  const issues: ValidationIssue[] = [];
  for (let r = 0; r < rows.length && issues.length < 100; r++) {
    const entity = Object.assign(plan.metadata.create() as ObjectLiteral, rows[r]);
    for (const issue of await validationIssues(entity, false)) issues.push({ ...issue, row: offset + r });
  }
  if (issues.length) throw new ValidationError(plan.metadata.name, issues);
}

function refusal(plan: EntityPlan, key: string): string {
  const issue = writableInputIssues(plan.metadata, { [key]: null }, "create")[0];
  if (issue) return issue.constraints.writable ?? "not writable";
  return plan.metadata.relations.some((r) => r.propertyName === key)
    ? `${key} is not an owning relation; bulk writes do not cascade`
    : `${key} cannot be set by a bulk insert`;
}

export type { ColumnPlan };
