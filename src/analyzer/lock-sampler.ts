import type { DataSource } from "typeorm";
import type { UnitworkLogger } from "../config";
import type { LockSample, SampledBlocker } from "./lock-sample";

interface PgClientLike {
  connect(): Promise<unknown>;
  query(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/** One statement in flight on a known server process. @internal */
export interface InFlight {
  readonly pid: number;
  readonly started: number;
  /** Sampled once in flight this long (ms). */
  readonly after: number;
  sample?: LockSample;
  tries: number;
  /** The sample query that looks at it, while it runs (its answer may come after the statement ended). */
  sampling?: Promise<void>;
  /** Its index in the sampler's list of statements in flight. */
  slot: number;
}

/** How often waiting statements are looked at, and how many samples one statement may take at most. */
const TICK_MS = 25;
const MAX_TRIES = 2;

const SAMPLE_SQL = `
SELECT w.pid AS pid, wl.locktype AS lock_type, wl.mode AS mode,
       COALESCE(wl.relation::regclass::text, tl.relation::regclass::text) AS relation,
       bp.pid AS blocker_pid, b.query AS blocker_query
FROM unnest($1::int[]) AS w(pid)
JOIN LATERAL (SELECT locktype, mode, relation FROM pg_locks WHERE pid = w.pid AND NOT granted LIMIT 1) wl ON true
LEFT JOIN LATERAL (SELECT relation FROM pg_locks WHERE pid = w.pid AND locktype = 'tuple' LIMIT 1) tl ON true
LEFT JOIN LATERAL (SELECT unnest(pg_blocking_pids(w.pid)) AS pid LIMIT 1) bp ON true
LEFT JOIN pg_stat_activity b ON b.pid = bp.pid`;

/**
 * Looks at `pg_locks` and `pg_blocking_pids()` for statements of units of work that have been in
 * flight for a while, never per statement: one timer while statements are in flight, at most one
 * sample query per tick (for every waiting statement at once), on a connection of its own (not from
 * the pool, which the waiting units may have exhausted). @internal
 */
export class LockSampler {
  readonly #dataSource: DataSource;
  readonly #logger: UnitworkLogger;
  readonly #resolveBlocker: (pid: number, relation: string | undefined, blockerQuery: string | undefined) => SampledBlocker;
  /**
   * The statements in flight, unordered: added and removed once per statement, so an array with
   * swap-removal (a `Set` rehashed itself on nearly every removal of its last entries).
   */
  readonly #inFlight: InFlight[] = [];
  #timer?: NodeJS.Timeout;
  #client?: Promise<PgClientLike>;
  #sampling = false;
  #disposed = false;

  constructor(
    dataSource: DataSource,
    logger: UnitworkLogger,
    resolveBlocker: (pid: number, relation: string | undefined, blockerQuery: string | undefined) => SampledBlocker,
  ) {
    this.#dataSource = dataSource;
    this.#logger = logger;
    this.#resolveBlocker = resolveBlocker;
  }

  /** A statement started on backend `pid`; it is sampled if still in flight `after` ms later. */
  begin(pid: number, started: number, after: number): InFlight {
    const entry: InFlight = { pid, started, after, tries: 0, slot: this.#inFlight.length };
    this.#inFlight.push(entry);
    if (!this.#timer && !this.#disposed) {
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
      this.#timer.unref();
    }
    return entry;
  }

  /** The statement ended. */
  end(entry: InFlight): void {
    const list = this.#inFlight;
    if (list[entry.slot] !== entry) return; // ended already, or the sampler was disposed
    const last = list.pop()!;
    if (last !== entry) {
      list[entry.slot] = last;
      last.slot = entry.slot;
    }
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#inFlight.length = 0;
    const client = this.#client;
    this.#client = undefined;
    client?.then((c) => c.end()).catch(() => undefined);
  }

  #tick(): void {
    if (this.#inFlight.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#sampling) return;
    const now = performance.now();
    const due: InFlight[] = [];
    let soon = false;
    for (const entry of this.#inFlight) {
      if (entry.sample || entry.tries >= MAX_TRIES) continue;
      if (now - entry.started >= entry.after) due.push(entry);
      else if (now - entry.started >= entry.after / 2) soon = true;
    }
    // Connected ahead of the first sample (half-way to it), so that the sample is not late by a connect.
    if (soon && !this.#client) this.#connection().catch((error: unknown) => this.#logger.debug({ err: error }, "query analyzer: the lock sampler could not connect"));
    if (due.length === 0) return;
    this.#sampling = true;
    const sampling = this.#sample(due)
      .catch((error: unknown) => this.#logger.debug({ err: error }, "query analyzer: could not sample pg_locks"))
      .finally(() => {
        this.#sampling = false;
        for (const entry of due) if (entry.sampling === sampling) entry.sampling = undefined;
      });
    for (const entry of due) {
      entry.tries++;
      entry.sampling = sampling;
    }
  }

  async #sample(due: InFlight[]): Promise<void> {
    const client = await this.#connection();
    const { rows } = await client.query(SAMPLE_SQL, [[...new Set(due.map((e) => e.pid))]]);
    for (const row of rows) {
      const relation = (row.relation as string | null) ?? undefined;
      const blockerPid = row.blocker_pid as number | null;
      const sample: LockSample = {
        relation,
        mode: (row.mode as string | null) ?? undefined,
        lockType: (row.lock_type as string | null) ?? undefined,
        blocker: blockerPid ? this.#resolveBlocker(blockerPid, relation, (row.blocker_query as string | null) ?? undefined) : undefined,
      };
      // Kept even when the answer comes after the statement ended: the server saw it waiting.
      for (const entry of due) if (entry.pid === row.pid) entry.sample = sample;
    }
  }

  #connection(): Promise<PgClientLike> {
    if (this.#disposed) return Promise.reject(new Error("the analyzer was disposed"));
    this.#client ??= (async () => {
      const driver = this.#dataSource.driver as unknown as { postgres: { Client: new (options: object) => PgClientLike }; master: { options: object } };
      const client = new driver.postgres.Client({ ...driver.master.options, max: undefined, application_name: "unitwork lock sampler" });
      client.on("error", (error) => {
        this.#logger.debug({ err: error }, "query analyzer: the lock sampler's connection failed");
        this.#client = undefined;
      });
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }
}
