/**
 * A handler result with an explicit status and headers. A handler that returns a plain value answers
 * `200` with it as JSON (`204` for `undefined`).
 *
 * @example
 * return reply(201, user, { Location: `/users/${user.uuid}` });
 */
export class HttpReply<B = unknown> {
  constructor(
    readonly status: number,
    readonly body: B,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/** Builds an {@link HttpReply}. */
export function reply<B>(status: number, body: B, headers?: Record<string, string>): HttpReply<B> {
  return new HttpReply(status, body, headers);
}

/** How an adapter sends a handler result: status, headers and body (`undefined` = no body). @internal */
export function toReply(result: unknown): HttpReply {
  if (result instanceof HttpReply) return result;
  return result === undefined ? new HttpReply(204, undefined) : new HttpReply(200, result);
}
