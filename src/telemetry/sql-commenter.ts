import { context as otelContext, trace, type Span } from "@opentelemetry/api";
import type { DataSource } from "typeorm";
import type { ContextStore } from "../unit-of-work";
import "./telemetry-context";

interface PgClientLike {
  query: (...args: unknown[]) => unknown;
}

interface PgPoolLike {
  on(event: "acquire", listener: (client: PgClientLike) => void): unknown;
  removeListener(event: "acquire", listener: (client: PgClientLike) => void): unknown;
}

/**
 * sqlcommenter: appends `/*traceparent='…',route='…'*\/` to each statement of a sampled trace as it
 * goes to the driver, so that `pg_stat_statements`, `pg_stat_activity` and the server's logs lead
 * back to the trace. The comment is added below TypeORM (on the pool's clients), after the
 * subscribers saw the statement: the analyzer's fingerprints and the spans' `db.query.text` never
 * contain it. `route` is the name of the unit of work (the adapters name it `METHOD /route`).
 * Returns the undo. @internal
 */
export function installSqlCommenter(dataSource: DataSource, store: ContextStore): () => void {
  const pool = (dataSource.driver as unknown as { master?: PgPoolLike }).master;
  if (!pool) return () => undefined;
  const originals = new Map<PgClientLike, PgClientLike["query"]>();
  const onAcquire = (client: PgClientLike) => {
    if (originals.has(client)) return;
    const original = client.query;
    originals.set(client, original);
    client.query = function (this: unknown, ...args: unknown[]) {
      if (typeof args[0] === "string") {
        const comment = commentFor(store);
        if (comment) args[0] = withComment(args[0], comment);
      }
      return original.apply(this, args);
    };
  };
  pool.on("acquire", onAcquire);
  return () => {
    pool.removeListener("acquire", onAcquire);
    for (const [client, original] of originals) client.query = original;
    originals.clear();
  };
}

/** The comment for the statement about to be sent, or `undefined` outside a sampled trace. */
function commentFor(store: ContextStore): string | undefined {
  const current = store.current;
  const span: Span | undefined = trace.getSpan(otelContext.active()) ?? current.unitSpan;
  const spanContext = span?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  const flags = `0${(spanContext.traceFlags & 0xff).toString(16)}`.slice(-2);
  const fields = [`traceparent='${escape(`00-${spanContext.traceId}-${spanContext.spanId}-${flags}`)}'`];
  const route = current.frame?.name;
  if (route) fields.push(`route='${escape(route)}'`);
  return `/*${fields.join(",")}*/`;
}

/** `sql` with `comment` at its end, before a final semicolon (as sqlcommenter places it). */
function withComment(sql: string, comment: string): string {
  const end = sql.trimEnd();
  return end.endsWith(";") ? `${end.slice(0, -1)} ${comment};` : `${end} ${comment}`;
}

/** sqlcommenter's value encoding: URL-encoded, `'` escaped; and never a comment terminator. */
function escape(value: string): string {
  return encodeURIComponent(value).replace(/'/g, "\\'").replace(/\*/g, "%2A");
}
