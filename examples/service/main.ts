/**
 * The example service's server: `npm run example`. Uses DATABASE_URL, or starts an embedded
 * PostgreSQL when it is unset; migrates the example domain; listens on PORT (default 3000).
 * SIGTERM/SIGINT: stop accepting, let in-flight requests and their units of work finish, close the
 * pool, stop the embedded database.
 */
import "reflect-metadata";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { DataSource } from "typeorm";
import { createUnitwork, dataSourceOptionsFromEnv } from "../../src";
import { domainEntities, domainMigrations } from "../domain";
import { createServiceApp } from "./app";
import { startServiceTelemetry } from "./telemetry";
import type { EmbeddedPostgres } from "../../scripts/embedded-postgres.mjs";

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const env = { ...process.env };
  let embedded: EmbeddedPostgres | undefined;
  if (!env.DATABASE_URL) {
    const { startEmbeddedPostgres } = await loadEmbeddedPostgres();
    embedded = await startEmbeddedPostgres({ durable: true });
    env.DATABASE_URL = embedded.url;
  }
  try {
    await serve(env, embedded);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

async function serve(env: NodeJS.ProcessEnv, embedded: EmbeddedPostgres | undefined): Promise<void> {
  const dataSource = new DataSource({
    ...dataSourceOptionsFromEnv(env),
    entities: domainEntities,
    migrations: domainMigrations,
    migrationsRun: true,
    installExtensions: false,
  } as never);
  const telemetry = startServiceTelemetry();
  const uw = await createUnitwork({ dataSource, connectRetry: { attempts: 10, maxDelayMs: 2_000 } });
  const server = createServiceApp(uw, { metrics: telemetry.metrics }).listen(Number(process.env.PORT ?? 3000));
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  console.log(`unitwork example service listening on http://localhost:${port} (${embedded ? "embedded PostgreSQL" : "DATABASE_URL"})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing; finishing in-flight requests`);
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    server.closeIdleConnections();
    try {
      await closed;
      await uw.close({ timeoutMs: SHUTDOWN_GRACE_MS });
      await telemetry.shutdown();
      await embedded?.stop();
      clearTimeout(force);
      console.log("stopped");
      process.exit(0);
    } catch (error) {
      console.error("shutdown failed", error);
      process.exit(1);
    }
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

/**
 * Loads scripts/embedded-postgres.mjs. The `embedded-postgres` package installs exit hooks that, on
 * SIGINT/SIGTERM, stop the database and exit at once, which would cut in-flight requests off; this
 * server drains first and stops the database itself, so those two signal listeners are removed.
 */
async function loadEmbeddedPostgres(): Promise<typeof import("../../scripts/embedded-postgres.mjs")> {
  const signals = ["SIGINT", "SIGTERM"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await import("../../scripts/embedded-postgres.mjs");
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return loaded;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
