import type { ObjectLiteral } from "typeorm";
import type { EntityPlan } from "./entity-plan";
import { prepareInsertChunk, type InsertChunk } from "./insert-chunk";
import { rowChunks, type RowChunk } from "./row-chunks";

/**
 * Rows of a bulk insert that are checked, validated and given keys together. An array is one batch
 * (its keys reserved in one statement, its chunks free to share a COPY); an iterable gives one batch
 * per chunk, pulled only when the previous one is written. @internal
 */
export type InsertBatch = RowChunk<ObjectLiteral>;

/** The batches of `rows` (an array, Iterable or AsyncIterable). @internal */
export async function* insertBatches(rows: unknown, chunkSize: number): AsyncGenerator<InsertBatch> {
  if (Array.isArray(rows)) {
    yield { rows: rows as ObjectLiteral[], offset: 0 };
    return;
  }
  yield* rowChunks<ObjectLiteral>(rows, chunkSize);
}

/**
 * The chunks of one batch, each rendered only when the writer takes it (the next one while the
 * server loads the previous). The rows are let go once the last chunk is rendered. @internal
 */
export class InsertChunks implements Iterator<InsertChunk> {
  private rows: readonly ObjectLiteral[] | undefined;
  private keys: readonly string[] | undefined;
  private readonly offset: number;
  private start = 0;

  constructor(
    private readonly plan: EntityPlan,
    batch: InsertBatch,
    private readonly chunkSize: number,
    /** The batch's reserved keys, in row order. */
    keys: readonly string[] | undefined,
    private readonly wantIds: boolean,
  ) {
    this.rows = batch.rows;
    this.offset = batch.offset;
    this.keys = keys;
  }

  next(): IteratorResult<InsertChunk> {
    const { rows, keys, start } = this;
    if (!rows || start >= rows.length) return { done: true, value: undefined };
    const end = Math.min(start + this.chunkSize, rows.length);
    this.start = end;
    const whole = start === 0 && end === rows.length;
    if (end === rows.length) this.rows = this.keys = undefined;
    const chunkRows = whole ? rows : rows.slice(start, end);
    const chunkKeys = whole ? keys : keys?.slice(start, end);
    return { done: false, value: prepareInsertChunk(this.plan, chunkRows, this.offset + start, chunkKeys, this.wantIds) };
  }
}
