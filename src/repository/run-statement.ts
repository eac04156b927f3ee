import { QueryFailedError, QueryRunnerAlreadyReleasedError, type QueryRunner } from "typeorm";

/** The driver connection of a PostgreSQL query runner (a node-postgres client). */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
  query(text: string, values: unknown[]): Promise<PgResult>;
}

interface PgResult {
  rows: Record<string, unknown>[];
}

/** What TypeORM's broadcaster collects from subscribers (`BroadcasterResult`'s shape). @internal */
export interface Collected {
  count: number;
  promises: Promise<unknown>[];
}

/** TypeORM's `BroadcasterResult` (not exported from its root): what `broadcast…Event` methods fill. */
export type BroadcasterResult = Parameters<QueryRunner["broadcaster"]["broadcastAfterQueryEvent"]>[0];

/**
 * Runs one SELECT the way TypeORM's `PostgresQueryRunner.query` does (logger, `beforeQuery` and
 * `afterQuery` subscribers, the slow-query log, `QueryFailedError`), so the unit of work's statement
 * gate, the analyzer and telemetry see it like any other statement, but with one difference: given a
 * `name`, node-postgres sends it as a named prepared statement (parsed and planned once per
 * connection, then only bound and executed). Returns the rows. @internal
 */
export async function runStatement(queryRunner: QueryRunner, text: string, values: unknown[], name?: string): Promise<Record<string, unknown>[]> {
  if (queryRunner.isReleased) throw new QueryRunnerAlreadyReleasedError();
  const client = (await queryRunner.connect()) as PgClient;
  const dataSource = queryRunner.dataSource;
  const broadcaster = queryRunner.broadcaster;
  dataSource.logger.logQuery(text, values, queryRunner);
  // as `broadcaster.broadcast("BeforeQuery", …)`, without its extra turns when no subscriber returns a promise
  const before: Collected = { count: 0, promises: [] };
  broadcaster.broadcastBeforeQueryEvent(before as unknown as BroadcasterResult, text, values);
  if (before.promises.length) await Promise.all(before.promises);
  const collected: Collected = { count: 0, promises: [] };
  const after = collected as unknown as BroadcasterResult;
  try {
    const started = Date.now();
    const raw = await (name === undefined ? client.query(text, values) : client.query({ name, text, values }));
    const elapsed = Date.now() - started;
    broadcaster.broadcastAfterQueryEvent(after, text, values, true, elapsed, raw, undefined);
    const slow = dataSource.options.maxQueryExecutionTime;
    if (slow && elapsed > slow) dataSource.logger.logQuerySlow(elapsed, text, values, queryRunner);
    return raw.rows;
  } catch (error) {
    dataSource.logger.logQueryError(error as Error, text, values, queryRunner);
    broadcaster.broadcastAfterQueryEvent(after, text, values, false, undefined, undefined, error);
    throw new QueryFailedError(text, values, error as Error);
  } finally {
    if (collected.promises.length) await Promise.all(collected.promises);
  }
}
