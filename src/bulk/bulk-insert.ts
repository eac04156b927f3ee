import type { ObjectLiteral } from "typeorm";
import type { BulkConnection } from "./bulk-connection";
import { InvalidQueryError, ValidationError, type ValidationIssue } from "../errors";
import type { BulkInsertOptions, BulkInsertResult } from "../repository";
import { validationIssues } from "../repository/entity-validator";
import { writableInputIssues } from "../repository/writable-input";
import type { EntityPlan } from "./entity-plan";
import { ChunkWriter } from "./chunk-writer";
import { CollectedIds } from "./collected-ids";
import { needsReservedKeys, prepareInsertChunk, reserveKeys, type InsertChunk } from "./insert-chunk";
import { checkRowKeys } from "./prepared-columns";
import { chunkSizeOption, rowChunks } from "./row-chunks";

/** Rows per statement by default: big enough to amortise a round trip, small enough to stay lean. */
export const DEFAULT_INSERT_CHUNK = 10_000;
/** Below this many rows (an array) `unnest` wins over COPY's extra protocol steps. */
export const COPY_MIN_ROWS = 1_000;

/**
 * `bulkInsert`: COPY or `INSERT … SELECT FROM unnest(…)`, keys reserved first. An array is checked
 * whole, its keys reserved in one round trip, and consecutive chunks of the same columns share one
 * COPY, each rendered while the server loads the previous one. An iterable is pulled and written one
 * chunk at a time, between statements, so it may itself read from the same unit of work. @internal
 */
export async function bulkInsert(connection: BulkConnection, plan: EntityPlan, rows: unknown, options: BulkInsertOptions): Promise<BulkInsertResult> {
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
  // an array's keys are in memory with its rows anyway; an iterable's are kept packed until the end
  const ids = wantIds ? new CollectedIds(!Array.isArray(rows)) : undefined;
  const writer = new ChunkWriter(connection, plan, options.strategy ? options.strategy === "copy" : !small, options.onProgress, ids);
  const reserve = needsReservedKeys(plan, wantIds);

  if (Array.isArray(rows)) {
    const all = rows as ObjectLiteral[];
    checkRowKeys(plan.metadata, all, 0, plan.insertKeys, (key) => refusal(plan, key));
    if (options.validate) await validateRows(plan, all, 0);
    const keys = reserve && all.length ? await reserveKeys(connection, plan, all.length) : undefined;
    function* chunks(): Generator<InsertChunk> {
      for (let start = 0; start < all.length; start += chunkSize) {
        const end = Math.min(start + chunkSize, all.length);
        yield prepareInsertChunk(plan, all.slice(start, end), start, keys?.slice(start, end), wantIds);
      }
    }
    await writer.write(chunks());
  } else {
    let offset = 0;
    for await (const chunk of rowChunks<ObjectLiteral>(rows, chunkSize)) {
      checkRowKeys(plan.metadata, chunk, offset, plan.insertKeys, (key) => refusal(plan, key));
      if (options.validate) await validateRows(plan, chunk, offset);
      const keys = reserve ? await reserveKeys(connection, plan, chunk.length) : undefined;
      const prepared = prepareInsertChunk(plan, chunk, offset, keys, wantIds);
      offset += chunk.length;
      // the rows are not used past this point, so they are not kept alive while the chunk is written
      await writer.write([prepared][Symbol.iterator]());
    }
  }
  return ids ? { count: writer.done, ids: ids.toArray() } : { count: writer.done };
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
