import type { ServerResponse } from "node:http";

/**
 * A signal that aborts when the client goes away before its response was sent (the connection
 * closed while `res` was not yet finished), for the request's unit of work. `done()` stops watching
 * once the response is under way. @internal
 */
export function clientGoneSignal(res: ServerResponse): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error("the client closed the connection before the response"));
  };
  res.once("close", onClose);
  return { signal: controller.signal, done: () => res.removeListener("close", onClose) };
}
