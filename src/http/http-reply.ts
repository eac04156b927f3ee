/**
 * A handler result with an explicit status and headers; build it with {@link reply}. A handler that
 * returns a plain value answers `200` with it as JSON (`204` for `undefined`).
 *
 * @example
 * ```ts
 * import { HttpReply } from "unitwork";
 *
 * const accepted = new HttpReply(202, { queued: true }, { "Retry-After": "5" });
 * ```
 */
export class HttpReply<B = unknown> {
  /**
   * @param status The HTTP status code.
   * @param body The response body, sent as JSON; `undefined` sends no body.
   * @param headers Extra response headers; default none.
   */
  constructor(
    readonly status: number,
    readonly body: B,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/**
 * Builds an {@link HttpReply}: what a wrapped handler returns to answer with a status other than 200.
 *
 * @example
 * ```ts
 * import { reply, withUnitOfWork } from "unitwork";
 *
 * const createUser = withUnitOfWork(uw, async (body: { email: string }, scope) => {
 *   const user = await scope.resolve(UserService).create(body);
 *   return reply(201, user, { Location: `/users/${user.uuid}` });
 * });
 * ```
 */
export function reply<B>(status: number, body: B, headers?: Record<string, string>): HttpReply<B> {
  return new HttpReply(status, body, headers);
}

/** How an adapter sends a handler result: status, headers and body (`undefined` = no body). @internal */
export function toReply(result: unknown): HttpReply {
  if (result instanceof HttpReply) return result;
  return result === undefined ? new HttpReply(204, undefined) : new HttpReply(200, result);
}
