import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { from as copyFrom } from "pg-copy-streams";
import type { EntityManager, QueryResult } from "typeorm";
import { IllegalTransactionStateError } from "../errors";
import type { BulkPort } from "../repository";
import { nameFailedRow, type RowLocator } from "./failed-row";

interface CopyClient {
  query<S>(stream: S): S;
}

/**
 * The unit of work's connection as one bulk call uses it: statements through TypeORM (so the
 * analyzer and the unit of work's statement gate see them) and COPY on the pg connection itself. A
 * failure comes out typed (translated by the repository core), naming the failing row. @internal
 */
export class BulkConnection {
  constructor(
    readonly manager: EntityManager,
    private readonly translate: BulkPort["translateError"],
  ) {}

  /** Runs one statement. */
  async query(sql: string, parameters: unknown[], locator?: RowLocator): Promise<QueryResult> {
    const runner = this.manager.queryRunner;
    if (!runner) throw new IllegalTransactionStateError("bulk statements need the query runner of a unit of work");
    try {
      return await runner.query(sql, parameters, true);
    } catch (error) {
      throw nameFailedRow(this.translate(error, { sql, parameters: parameters.map(shorten) }), error, locator);
    }
  }

  /**
   * Streams COPY FROM STDIN text with backpressure: `data` is pulled only as fast as the socket
   * drains. Returns the row count PostgreSQL reports.
   */
  async copy(sql: string, data: Iterable<string | Buffer> | AsyncIterable<string | Buffer>, locator?: RowLocator): Promise<number> {
    const runner = this.manager.queryRunner as unknown as { connect(): Promise<CopyClient> } | undefined;
    if (!runner) throw new IllegalTransactionStateError("COPY needs the query runner of a unit of work");
    const client = await runner.connect();
    const stream = client.query(copyFrom(sql));
    try {
      await pipeline(Readable.from(data, { objectMode: false }), stream);
    } catch (error) {
      throw nameFailedRow(this.translate(error, { sql }), error, locator);
    }
    return stream.rowCount;
  }
}

function shorten(parameter: unknown): unknown {
  return typeof parameter === "string" && parameter.length > 300 ? `${parameter.slice(0, 300)}… (${parameter.length} characters)` : parameter;
}
