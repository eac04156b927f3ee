import type { DataSource } from "typeorm";
import type { UnitworkLogger } from "../config";

interface PgClient {
  processID?: number | null;
  query(sql: string): Promise<{ rows: { pid: number }[] }>;
}

interface PgDriver {
  obtainMasterConnection(): Promise<[PgClient, (error?: unknown) => void]>;
}

/**
 * Whether the DataSource's connections go straight to PostgreSQL: the process id the server told the
 * client at connect (its cancel key) is the one serving it (`pg_backend_pid()`). Behind a pooler
 * (PgBouncer, in any mode) the client is told the pooler's stand-in, and each transaction may be served
 * by another backend, so session state such as a named prepared statement cannot be counted on. A
 * failed probe counts as "not direct". @internal
 */
export async function connectsDirectly(dataSource: DataSource, logger: UnitworkLogger): Promise<boolean> {
  let release: ((error?: unknown) => void) | undefined;
  try {
    const [client, done] = await (dataSource.driver as unknown as PgDriver).obtainMasterConnection();
    release = done;
    const { rows } = await client.query("SELECT pg_backend_pid() AS pid");
    return typeof client.processID === "number" && rows[0]?.pid === client.processID;
  } catch (error) {
    logger.warn({ err: error }, "unitwork: could not tell whether connections go straight to PostgreSQL; reads are not prepared");
    return false;
  } finally {
    release?.();
  }
}
