import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Row } from "../bulk-paths";
import type { Transfer } from "../tpcb";

/** An item as every client must return it, compared across clients (not timed). */
export interface CanonItem {
  id: number;
  authorId: number;
  status: string;
  score: number;
  title: string;
  /** ISO 8601. */
  createdAt: string;
  author?: { id: number; name: string; email: string };
}

/** The keyset position after which a page starts: the last row of the page before. */
export interface KeysetPosition {
  createdAt: Date;
  id: number;
}

export type PeerKey = "raw" | "unitwork" | "typeorm" | "mikroorm" | "drizzle" | "prisma";

/** What a peer does on each path, in words, for the report. */
export type PeerPathKey = "insert" | "update" | "upsert" | "tpcb" | "getById" | "page" | "paginate" | "offset" | "keyset" | "stream";

/**
 * One client of the benchmark at its best documented use. Reads return the client's own objects
 * (timed as they are); `canon` turns one into a CanonItem for the untimed comparison.
 */
export interface Peer {
  key: PeerKey;
  /** Name and version, e.g. "MikroORM 6.6.16". */
  label: string;
  /** How each path is done, in words; a path missing here is one the client has no API for. */
  how: Partial<Record<PeerPathKey, string>>;
  /** Paths done with one statement per row: not run at 100,000 rows and more. */
  slow?: Partial<Record<"insert" | "update" | "upsert", true>>;
  /** Bulk insert into bench_logs with the generated ids returned; resolves to the number of ids. */
  insert?(rows: Row[]): Promise<number>;
  /** Bulk update of bench_logs with each row's own values; `ids[i]` is the key of `rows[i]`. */
  update?(rows: Row[], ids: string[]): Promise<void>;
  /** Bulk upsert into bench_upserts on its natural key; `keys[i]` belongs to `rows[i]`. */
  upsert?(rows: Row[], keys: string[]): Promise<void>;
  /** One TPC-B transaction. */
  tpcb?(t: Transfer): Promise<void>;
  getById(id: number): Promise<unknown>;
  /** 20 items of one status, newest first, each with its author. */
  page(status: string): Promise<unknown[]>;
  /** Page `page` (of 20) of one author's items, newest first, each with its author, and the exact count. */
  paginate(authorId: number, page: number): Promise<{ items: unknown[]; total: number }>;
  /** Page `page` (of 20) of all items, newest first, by OFFSET. */
  offsetPage(page: number): Promise<unknown[]>;
  /** Untimed: the client's cursor for the page that starts after `position` (null: the first page). */
  keysetCursor(position: KeysetPosition | null, rowsBefore: number): Promise<unknown>;
  /** The page of 20 after `cursor` (null: the first page), by keyset. */
  keysetPage(cursor: unknown): Promise<unknown[]>;
  /** Streams the first `rows` items in key order through the client's streaming API; undefined when it has none. */
  stream?(rows: number, onItem: (item: unknown) => void): Promise<void>;
  canon(item: unknown): CanonItem;
  close(): Promise<void>;
}

/** Options every peer is opened with. */
export interface PeerOptions {
  url: string;
  /** Connections in the client's pool (TPC-B runs 8 workers). */
  poolMax: number;
}

export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function canonAuthor(author: { id: unknown; name: unknown; email: unknown } | null | undefined): CanonItem["author"] {
  return author ? { id: Number(author.id), name: String(author.name), email: String(author.email) } : undefined;
}

export function* chunksOf<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** The installed version of a package (its package.json need not be exported). */
export function versionOf(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (json.name === name && json.version) return json.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return "?";
    dir = parent;
  }
}
