import { refuseUnknownOptions } from "../config";
import { InvalidConfigError } from "../errors";

/**
 * Where an HTTP adapter carries the consistency token of a request's session (read replicas,
 * `consistency: "session"`): read from the request's header and/or cookie of that name, and sent back
 * in the same header and/or cookie once the request committed something.
 *
 * @example
 * app.post("/users", expressHandler(uw, createUser, { consistencyToken: { header: "X-Consistency-Token" } }));
 * app.get("/users/:id", expressHandler(uw, getUser, { readOnly: true, consistencyToken: { header: "X-Consistency-Token" } }));
 */
export interface ConsistencyTokenCarrier {
  /** A request and response header, e.g. `"X-Consistency-Token"` (for API clients that send it back). */
  header?: string;
  /** A cookie (`HttpOnly; SameSite=Lax; Path=/`), e.g. `"uw_consistency"` (for browsers). */
  cookie?: string;
}

const CARRIER_KEYS: readonly (keyof ConsistencyTokenCarrier)[] = ["header", "cookie"];
const TOKEN_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `InvalidConfigError` unless it names a header or a cookie with a valid name. @internal */
export function checkConsistencyTokenCarrier(carrier: ConsistencyTokenCarrier | undefined): void {
  if (carrier === undefined) return;
  refuseUnknownOptions(carrier, CARRIER_KEYS, "consistencyToken");
  if (carrier.header === undefined && carrier.cookie === undefined) throw new InvalidConfigError("consistencyToken needs { header } or { cookie } (or both)");
  for (const key of CARRIER_KEYS) {
    const name = carrier[key];
    if (name !== undefined && !(typeof name === "string" && TOKEN_NAME.test(name))) throw new InvalidConfigError(`consistencyToken.${key} must be a valid ${key} name, got ${JSON.stringify(name)}`);
  }
}

/** The token a request carries (the header wins over the cookie), if any. @internal */
export function incomingConsistencyToken(carrier: ConsistencyTokenCarrier | undefined, headers: Record<string, string | string[] | undefined>): string | undefined {
  if (!carrier) return undefined;
  if (carrier.header) {
    const value = headers[carrier.header.toLowerCase()];
    const token = Array.isArray(value) ? value[0] : value;
    if (token) return token;
  }
  if (carrier.cookie) {
    const cookies = headers.cookie;
    for (const part of (Array.isArray(cookies) ? cookies.join(";") : (cookies ?? "")).split(";")) {
      const at = part.indexOf("=");
      if (at > 0 && part.slice(0, at).trim() === carrier.cookie) return decodedCookie(part.slice(at + 1).trim());
    }
  }
  return undefined;
}

/** A cookie value percent-decoded; a malformed encoding is kept as it came (the token check then refuses it: a 400). */
function decodedCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The response headers that send `token` back: the header itself, and a `Set-Cookie` value. @internal */
export function outgoingConsistencyToken(carrier: ConsistencyTokenCarrier | undefined, token: string | undefined): { header?: [string, string]; setCookie?: string } {
  if (!carrier || token === undefined) return {};
  return {
    header: carrier.header ? [carrier.header, token] : undefined,
    setCookie: carrier.cookie ? `${carrier.cookie}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax` : undefined,
  };
}
