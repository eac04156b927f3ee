import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { from as copyFrom } from "pg-copy-streams";
import type { EntityManager } from "typeorm";
import type { QueryResult } from "typeorm";
import { IllegalTransactionStateError } from "../errors";
import { translateWithRow, type RowLocator } from "./failed-row";

/**
 * Runs one statement on the unit of work's connection (through TypeORM, so the analyzer and the
 * unit of work's statement gate see it); a failure comes out typed, naming the failing row. @internal
 */
export async function runStatement(manager: EntityManager, sql: string, parameters: unknown[], locator?: RowLocator): Promise<QueryResult> {
  const runner = manager.queryRunner;
  if (!runner) throw new IllegalTransactionStateError("bulk statements need the query runner of a unit of work");
  try {
    return await runner.query(sql, parameters, true);
  } catch (error) {
    throw translateWithRow(error, { sql, parameters }, locator);
  }
}

interface CopyClient {
  query<S>(stream: S): S;
}

/**
 * Streams COPY FROM STDIN text on the unit of work's own pg connection, with backpressure: `data`
 * is pulled only as fast as the socket drains. Returns the row count PostgreSQL reports. @internal
 */
export async function runCopy(manager: EntityManager, sql: string, data: Iterable<string | Buffer> | AsyncIterable<string | Buffer>, locator?: RowLocator): Promise<number> {
  const runner = manager.queryRunner as unknown as { connect(): Promise<CopyClient> } | undefined;
  if (!runner) throw new IllegalTransactionStateError("COPY needs the query runner of a unit of work");
  const client = await runner.connect();
  const stream = client.query(copyFrom(sql));
  try {
    await pipeline(Readable.from(data, { objectMode: false }), stream);
  } catch (error) {
    throw translateWithRow(error, { sql }, locator);
  }
  return stream.rowCount;
}
