import { randomUUID } from "node:crypto";
import type { ObjectLiteral } from "typeorm";
import { InvalidConfigError, InvalidQueryError } from "../errors";
import type { EntityId } from "../repository";
import { isIntegerColumn, type EntityPlan } from "./entity-plan";
import { prepareColumns, type PreparedColumn } from "./prepared-columns";
import type { BulkConnection } from "./bulk-connection";

/** One chunk of a bulk insert, rendered and ready to be written. @internal */
export interface InsertChunk {
  /** Index (in the whole call) of the chunk's first row. */
  offset: number;
  size: number;
  /** The columns the chunk writes, the generated key first when there is one. */
  columns: PreparedColumn[];
  /** The key of each row, when the caller wants them. */
  ids?: EntityId[];
  /** Whether COPY can write it: every column a row leaves unset has a default JS can compute. */
  copyable: boolean;
  /** The column list: consecutive chunks with the same one can share a COPY. */
  shape: string;
}

/**
 * Renders a chunk of rows. `keys` are the chunk's new primary keys (reserved from the sequence, or
 * made here for uuid keys); without them the database makes the keys. @internal
 */
export function prepareInsertChunk(plan: EntityPlan, rows: readonly ObjectLiteral[], offset: number, keys: readonly string[] | undefined, wantIds: boolean): InsertChunk {
  const columns = prepareColumns(plan.metadata, rows, offset, plan.insertColumns);
  const generated = keys ?? (wantIds && plan.keyGeneration?.kind === "uuid" ? Array.from({ length: rows.length }, () => randomUUID()) : undefined);
  if (generated) columns.unshift({ plan: plan.primary!, texts: generated as string[] });
  const overriding = plan.keyGeneration?.kind === "sequence" && plan.keyGeneration.overriding;
  return {
    offset,
    size: rows.length,
    columns,
    ids: wantIds ? keyValues(plan, generated ? columns[0] : columns.find((c) => c.plan === plan.primary), rows.length, offset) : undefined,
    // COPY needs a column list: rows that set nothing (and no maintained column) go through unnest's generate_series
    copyable: !overriding && columns.length + plan.insertFixed.length > 0 && columns.every((c) => !c.set || c.plan.jsDefault),
    shape: columns.map((c) => c.plan.databaseName).join(","),
  };
}

/** Whether new keys must be reserved from a sequence before rows are written. @internal */
export function needsReservedKeys(plan: EntityPlan, wantIds: boolean): boolean {
  return wantIds && plan.keyGeneration?.kind === "sequence";
}

/** Reserves `count` keys from the key's sequence in one round trip, in ascending order. @internal */
export async function reserveKeys(connection: BulkConnection, plan: EntityPlan, count: number): Promise<string[]> {
  const generation = plan.keyGeneration;
  if (generation?.kind !== "sequence") throw new InvalidConfigError(`${plan.metadata.name} has no sequence key to reserve from`);
  const result = await connection.query(generation.reserveSql, [count]);
  const reserved = (result.records[0] as { ids: string | null }).ids;
  const keys = reserved ? reserved.split(",") : [];
  // ids[i] belongs to rows[i] only if every row got a key: anything else must stop the insert
  if (keys.length !== count) {
    throw new InvalidConfigError(`${plan.metadata.name}: the default of ${plan.primary!.databaseName} gave ${keys.length} non-null keys for ${count} rows`);
  }
  return keys;
}

function keyValues(plan: EntityPlan, keys: PreparedColumn | undefined, size: number, offset: number): EntityId[] {
  const primary = plan.primary!;
  if (!keys) throw new InvalidQueryError(`${plan.metadata.name}: rows ${offset}… carry no ${primary.property}, which is not generated`, primary.property);
  const numeric = isIntegerColumn(primary);
  const out = new Array<EntityId>(size);
  for (let r = 0; r < size; r++) {
    const text = keys.texts[r];
    if (text === null || text === undefined || keys.set?.[r] === false) {
      throw new InvalidQueryError(`${plan.metadata.name}: row ${offset + r} has no ${primary.property}, which is not generated`, primary.property);
    }
    out[r] = numeric ? Number(text) : text;
  }
  return out;
}
