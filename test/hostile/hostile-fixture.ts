import type { Client } from "pg";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { createCanary, oracleClient, WireCapture } from "./hostile";

/** What every hostile-input file opens: its database, the canary, the wire capture and the oracle client. */
export interface HostileFixture {
  readonly t: TestUnitwork;
  /** A client of its own, outside unitwork, that reads what really reached the tables. */
  readonly oracle: Client;
  /** Every statement unitwork's connections send from here on. */
  readonly capture: WireCapture;
  close(): Promise<void>;
}

/**
 * Opens a test database, runs `prepare` (seeding, servers), creates the canary table and starts the
 * capture; the capture starts last, so that only the fuzzed calls are seen.
 */
export async function openHostileFixture(prepare?: (t: TestUnitwork) => Promise<unknown>): Promise<HostileFixture> {
  const t = await openTestUnitwork();
  let capture: WireCapture | undefined;
  try {
    if (prepare) await prepare(t);
    await createCanary((sql, p) => t.uw.dataSource.query(sql, p));
    capture = new WireCapture();
    const oracle = await oracleClient(t.db.url, capture);
    const opened = capture;
    return {
      t,
      oracle,
      capture,
      async close() {
        opened.restore();
        await oracle.end();
        await t.close();
      },
    };
  } catch (error) {
    capture?.restore();
    await t.close();
    throw error;
  }
}
