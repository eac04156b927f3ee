import type { DataSource } from "typeorm";

/** Records every SQL statement the DataSource sends while `fn` runs (through its logger hook). */
export async function captureStatements<R>(dataSource: DataSource, fn: () => Promise<R>): Promise<{ result: R; statements: string[] }> {
  const statements: string[] = [];
  const logger = dataSource.logger;
  const original = logger.logQuery;
  logger.logQuery = function (query, parameters, runner) {
    statements.push(query);
    return original.call(this, query, parameters, runner);
  };
  try {
    const result = await fn();
    return { result, statements };
  } finally {
    logger.logQuery = original;
  }
}
