import { InvalidQueryError } from "../errors";

/**
 * Splits an array, Iterable or AsyncIterable into arrays of at most `size` rows. Iterables are pulled
 * one chunk at a time, only when the previous chunk has been written: the caller's generator is the
 * backpressure, so no more than one chunk of rows is held in memory. @internal
 */
export async function* rowChunks<R>(rows: unknown, size: number): AsyncGenerator<R[]> {
  if (Array.isArray(rows)) {
    for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size) as R[];
    return;
  }
  if (rows !== null && typeof rows === "object" && (Symbol.asyncIterator in rows || Symbol.iterator in rows)) {
    let chunk: R[] = [];
    for await (const row of rows as AsyncIterable<R>) {
      chunk.push(row);
      if (chunk.length >= size) {
        // not held by this generator while the caller writes it: the rows can be collected as soon
        // as the caller has rendered them
        const full = chunk;
        chunk = [];
        yield full;
      }
    }
    if (chunk.length) yield chunk;
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
