import { untrusted } from "../query";

/**
 * Marks what the client sent (body and query) as untrusted input, so that a filter takes it as values
 * only (see `untrusted`). A `query` that its framework parses again on each read (Express 5's getter)
 * is pinned to the marked object for the rest of the request. @internal
 */
export function markUntrustedRequest(request: { body?: unknown; query?: unknown }): void {
  untrusted(request.body);
  const query = untrusted(request.query);
  if (query !== undefined && Object.getOwnPropertyDescriptor(request, "query") === undefined) {
    Object.defineProperty(request, "query", { value: query, writable: true, configurable: true, enumerable: true });
  }
}
