import { InvalidQueryError } from "../errors";

/** Consecutive rows of a bulk call, at most one chunk's worth. @internal */
export interface RowChunk<R> {
  rows: R[];
  /** Index (in the whole call) of the chunk's first row. */
  offset: number;
}

/**
 * Splits an array, Iterable or AsyncIterable into chunks of at most `size` rows. Iterables are pulled
 * one chunk at a time, only when the previous chunk has been written: the caller's generator is the
 * backpressure, so no more than one chunk of rows is held in memory. @internal
 */
export async function* rowChunks<R>(rows: unknown, size: number): AsyncGenerator<RowChunk<R>> {
  if (Array.isArray(rows)) {
    for (let start = 0; start < rows.length; start += size) yield { rows: rows.slice(start, start + size) as R[], offset: start };
    return;
  }
  if (rows !== null && typeof rows === "object" && (Symbol.asyncIterator in rows || Symbol.iterator in rows)) {
    let chunk: R[] = [];
    let offset = 0;
    for await (const row of rows as AsyncIterable<R>) {
      chunk.push(row);
      if (chunk.length >= size) {
        // not held by this generator while the caller writes it: the rows can be collected as soon
        // as the caller has rendered them
        const full = { rows: chunk, offset };
        offset += chunk.length;
        chunk = [];
        yield full;
      }
    }
    if (chunk.length) yield { rows: chunk, offset };
    return;
  }
  throw new InvalidQueryError("rows must be an array, an Iterable or an AsyncIterable");
}

/** Checks a `chunkSize` option. @internal */
export function chunkSizeOption(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidQueryError(`chunkSize must be a positive integer, got ${String(value)}`, "chunkSize");
  return value;
}
