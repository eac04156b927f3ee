import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { InvalidQueryError } from "../errors";
import type { SortKey } from "./sort";

/** The sort values of one row, as PostgreSQL text (`null` for SQL NULL). @internal */
export type CursorValues = (string | null)[];

/** What a cursor is valid for: the listing it was issued by. @internal */
export interface CursorBinding {
  /** The entity's name. */
  entity: string;
  keys: SortKey[];
  /** The compiled filter (SQL and bound values), so a cursor is refused under another `where`. */
  filter: { sql: string | undefined; parameters: Record<string, unknown> };
  withDeleted: boolean;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts and authenticates keyset cursors (AES-256-GCM): a cursor reveals nothing of the row's
 * sort values, and the listing it belongs to (entity, order, filter, `withDeleted`) is its additional
 * authenticated data, so a cursor edited by hand or used under another listing is refused with
 * `InvalidQueryError`. The key is derived from the configured secret (HKDF-SHA256); each unitwork
 * instance without one makes a random secret of its own (cursors then do not survive a restart). @internal
 */
export class CursorCodec {
  readonly #key: Buffer;
  readonly #binding: Buffer;

  /** `key`: the unitwork instance's, derived once from its cursor secret. */
  constructor(key: CursorKey, binding: CursorBinding) {
    this.#key = key.bytes;
    this.#binding = bindingDigest(binding);
  }

  encode(values: CursorValues): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv).setAAD(this.#binding);
    const body = Buffer.concat([cipher.update(JSON.stringify(values), "utf8"), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  decode(cursor: unknown, count: number): CursorValues {
    const invalid = (why: string) => new InvalidQueryError(`invalid cursor: ${why}`, "after");
    if (typeof cursor !== "string" || cursor.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid("not a cursor string");
    const raw = Buffer.from(cursor, "base64url");
    if (raw.length < IV_BYTES + TAG_BYTES + 2) throw invalid("malformed");
    let text: string;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, IV_BYTES)).setAAD(this.#binding);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw invalid("tampered with, or issued for another entity, order, filter, withDeleted or secret");
    }
    const values: unknown = JSON.parse(text);
    if (!Array.isArray(values) || values.length !== count || !values.every((v) => v === null || typeof v === "string")) {
      throw invalid("payload does not match the sort keys");
    }
    return values as CursorValues;
  }
}

/** The AES-256 key of a cursor secret (HKDF-SHA256), derived once per unitwork instance, not per page. @internal */
export class CursorKey {
  readonly bytes: Buffer;

  constructor(secret: string | Buffer) {
    this.bytes = Buffer.from(hkdfSync("sha256", secret, "unitwork cursor", "aes-256-gcm", 32));
  }
}

/** A random cursor secret, for a unitwork instance configured without one. @internal */
export function randomCursorSecret(): Buffer {
  return randomBytes(32);
}

function bindingDigest({ entity, keys, filter, withDeleted }: CursorBinding): Buffer {
  const order = keys.map((k) => `${k.path} ${k.direction} ${k.nulls}`);
  const parameters = Object.entries(filter.parameters).map(([name, value]) => [name, value instanceof Date ? value.toISOString() : typeof value === "bigint" ? String(value) : value]);
  const text = JSON.stringify([entity, order, filter.sql ?? null, parameters, withDeleted], (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
  return createHash("sha256").update(text).digest();
}
