import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError, ValidationError, type ValidationIssue } from "../errors";
import type { BulkInsertOptions, BulkInsertResult } from "../repository";
import { validationIssues } from "../repository/entity-validator";
import { writableInputIssues } from "../repository/writable-input";
import type { BulkConnection } from "./bulk-connection";
import type { EntityPlan } from "./entity-plan";
import { ChunkWriter } from "./chunk-writer";
import { CollectedIds } from "./collected-ids";
import { insertBatches, InsertChunks } from "./insert-batch";
import { needsReservedKeys, reserveKeys } from "./insert-chunk";
import { checkRowKeys } from "./prepared-columns";
import { chunkSizeOption } from "./row-chunks";

/** Rows per statement by default: big enough to amortise a round trip, small enough to stay lean. */
export const DEFAULT_INSERT_CHUNK = 10_000;
/** Below this many rows (an array) `unnest` wins over COPY's extra protocol steps. */
export const COPY_MIN_ROWS = 1_000;

/**
 * `bulkInsert`: COPY or `INSERT … SELECT FROM unnest(…)`, keys reserved first, one pipeline for
 * arrays and iterables: each batch is checked, validated and given its keys, then written chunk by
 * chunk. An array is one batch, so its keys take one round trip and consecutive chunks of the same
 * columns share one COPY, each rendered while the server loads the previous one. An iterable's
 * batches are its chunks, pulled between statements, so it may itself read from the same unit of
 * work. @internal
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
  for await (const batch of insertBatches(rows, chunkSize)) {
    checkRowKeys(plan.metadata, batch.rows, batch.offset, plan.insertKeys, (key) => refusal(plan, key));
    if (options.validate) await validateRows(plan, batch.rows, batch.offset);
    const keys = reserve && batch.rows.length ? await reserveKeys(connection, plan, batch.rows.length) : undefined;
    await writer.write(new InsertChunks(plan, batch, chunkSize, keys, wantIds));
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
