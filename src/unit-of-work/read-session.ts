import { InvalidQueryError } from "../errors";
import { formatLsn } from "./lsn";

const TOKEN = /^u1-([0-9A-F]{1,8})-([0-9A-F]{1,8})$/i;
/** The last WAL position there is: a session at it reads from the primary only (its commit's position could not be read). @internal */
export const PRIMARY_ONLY = (1n << 64n) - 1n;

/**
 * The read-your-writes state of one session (an HTTP request, `uw.session(fn)`): the WAL position of
 * its latest commit. A read of the session may use a replica only once the replica has replayed past
 * it. Shared by every call chain of the session, so a commit anywhere in it counts. @internal
 */
export class ReadSession {
  #lsn = 0n;

  /** The position a replica must have replayed to serve this session (0: none yet). */
  get lsn(): bigint {
    return this.#lsn;
  }

  /** Takes in a commit (or a token's) position; positions only move forward. */
  observe(lsn: bigint): void {
    if (lsn > this.#lsn) this.#lsn = lsn;
  }

  /** The consistency token of the session (`u1-<hi>-<lo>`), `undefined` before its first commit. */
  get token(): string | undefined {
    if (this.#lsn === 0n) return undefined;
    const [hi, lo] = formatLsn(this.#lsn).split("/");
    return `u1-${hi}-${lo}`;
  }
}

/**
 * The WAL position a consistency token carries; `InvalidQueryError` (a 400 in the HTTP adapters) for
 * anything that is not a token made by `uw.consistencyToken()`. @internal
 */
export function parseConsistencyToken(token: unknown): bigint {
  const match = typeof token === "string" && token.length <= 32 ? TOKEN.exec(token) : null;
  if (!match) throw new InvalidQueryError("malformed consistency token: pass back exactly what uw.consistencyToken() returned", "consistencyToken");
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}
