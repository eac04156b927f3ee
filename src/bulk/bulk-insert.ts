import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import type { BulkInsertOptions, BulkInsertResult } from "../repository";
import { keyRefusal } from "../repository/writable-input";
import type { BulkConnection } from "./bulk-connection";
import { keepingGenerated, type EntityPlan } from "./entity-plan";
import { ChunkWriter } from "./chunk-writer";
import { CollectedIds } from "./collected-ids";
import { insertBatches, InsertChunks } from "./insert-batch";
import { needsReservedKeys, reserveKeys } from "./insert-chunk";
import { checkRowKeys, validateRows } from "./prepared-columns";
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
export async function bulkInsert(connection: BulkConnection, entityPlan: EntityPlan, rows: unknown, options: BulkInsertOptions): Promise<BulkInsertResult> {
  const keep = keepOption(options.keepGenerated);
  const plan = keep ? keepingGenerated(entityPlan, false) : entityPlan;
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
  let keptKeys = false;
  for await (const batch of insertBatches(rows, chunkSize)) {
    checkRowKeys(plan, batch.rows, batch.offset, plan.insertKeys, (key) => refusal(plan, key));
    if (options.validate !== false) await validateRows(plan, batch.rows, batch.offset, "create");
    // keepGenerated: a batch whose rows give their generated keys is written with them
    const batchPlan = keep && givesGeneratedKey(plan, batch.rows) ? keepingGenerated(entityPlan, true) : plan;
    keptKeys ||= batchPlan !== plan;
    const keys = needsReservedKeys(batchPlan, wantIds) && batch.rows.length ? await reserveKeys(connection, batchPlan, batch.rows.length) : undefined;
    await writer.write(new InsertChunks(batchPlan, batch, chunkSize, keys, wantIds));
  }
  if (keptKeys) await advanceKeySequence(connection, entityPlan);
  return ids ? { count: writer.done, ids: ids.toArray() } : { count: writer.done };
}

/** A checked `keepGenerated` option. @internal */
export function keepOption(keepGenerated: unknown): boolean {
  if (keepGenerated !== undefined && typeof keepGenerated !== "boolean") throw new InvalidQueryError("keepGenerated must be true or false", "keepGenerated");
  return keepGenerated === true;
}

/** Whether any row gives a generated primary key. @internal */
export function givesGeneratedKey(plan: EntityPlan, rows: readonly ObjectLiteral[]): boolean {
  const primary = plan.primary;
  if (!primary || !plan.generatedColumns.includes(primary)) return false;
  return rows.some((row) => primary.read(row) !== undefined);
}

/** After keys were taken from the rows: moves the key's sequence past the largest key, so later inserts do not collide. @internal */
export async function advanceKeySequence(connection: BulkConnection, plan: EntityPlan): Promise<void> {
  const sequence = plan.primary && plan.generatedColumns.includes(plan.primary) ? plan.primary.catalog.sequence : null;
  if (!sequence || !plan.primary) return;
  const key = plan.primary.quoted;
  await connection.query(
    `SELECT setval($1::regclass, m) FROM (SELECT max(t.${key})::bigint AS m FROM ${plan.table} AS t) AS x WHERE m > COALESCE(pg_sequence_last_value($1::regclass), 0)`,
    [sequence],
  );
}

/** Why a bulk insert or upsert refuses a key of a row. @internal */
export function refusal(plan: EntityPlan, key: string): string {
  const reason = keyRefusal(plan.metadata, key, undefined, "create");
  if (reason) return reason;
  return plan.metadata.relations.some((r) => r.propertyName === key)
    ? `${key} is not an owning relation; bulk writes do not cascade`
    : `${key} cannot be set by a bulk insert`;
}
