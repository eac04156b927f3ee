import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HttpResult<B = any> {
  status: number;
  headers: Headers;
  body: B;
}

export interface TestServer {
  url: string;
  call<B = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<B>>;
  close(): Promise<void>;
}

/** Listens on an ephemeral port of 127.0.0.1 and drives the server with the global `fetch`. */
export async function startTestServer(server: Server): Promise<TestServer> {
  if (!server.listening) {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async call(method, path, body, headers = {}) {
      const response = await fetch(url + path, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      if ((response.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
      return { status: response.status, headers: response.headers, body: parsed as never };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
