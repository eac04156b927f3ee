import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidQueryError } from "../errors";
import type { SortKey } from "./sort";

/** The sort values of one row, as PostgreSQL text (`null` for SQL NULL). @internal */
export type CursorValues = (string | null)[];

const PROCESS_SECRET = randomBytes(32);

/**
 * Signs and verifies keyset cursors. A cursor is `base64url(JSON values).base64url(HMAC-SHA256)`; the
 * MAC covers the entity, the sort keys and the values, so a cursor edited by hand, or issued for
 * another entity or another order, is refused with `InvalidQueryError`. Without a configured secret a
 * random per-process one is used (cursors then do not survive a restart). @internal
 */
export class CursorCodec {
  private readonly secret: Buffer;

  constructor(secret: string | undefined, private readonly scope: string) {
    this.secret = secret ? Buffer.from(secret, "utf8") : PROCESS_SECRET;
  }

  encode(keys: SortKey[], values: CursorValues): string {
    const payload = Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
    return `${payload}.${this.mac(keys, payload).toString("base64url")}`;
  }

  decode(keys: SortKey[], cursor: unknown): CursorValues {
    const invalid = (why: string) => new InvalidQueryError(`invalid cursor: ${why}`, "after");
    if (typeof cursor !== "string" || cursor.length > 8192) throw invalid("not a cursor string");
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(cursor);
    if (!match) throw invalid("malformed");
    const expected = this.mac(keys, match[1]!);
    const given = Buffer.from(match[2]!, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalid("tampered with, or issued for another entity, order or secret");
    }
    let values: unknown;
    try {
      values = JSON.parse(Buffer.from(match[1]!, "base64url").toString("utf8"));
    } catch {
      throw invalid("malformed payload");
    }
    if (!Array.isArray(values) || values.length !== keys.length || !values.every((v) => v === null || typeof v === "string")) {
      throw invalid("payload does not match the sort keys");
    }
    return values as CursorValues;
  }

  private mac(keys: SortKey[], payload: string): Buffer {
    const order = keys.map((k) => `${k.path} ${k.direction} ${k.nulls}`).join(",");
    return createHmac("sha256", this.secret).update(`${this.scope}\n${order}\n${payload}`).digest();
  }
}
