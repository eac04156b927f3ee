import { randomUUID } from "node:crypto";

const SAFE_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * The request id: the client's `X-Request-Id` header when it is a short, safe token, else a new uuid.
 * @internal
 */
export function requestIdFrom(header: string | readonly string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === "string" && SAFE_ID.test(value) ? value : randomUUID();
}
