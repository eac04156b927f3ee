import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls, type ConnectionOptions as TlsOptions } from "node:tls";

/** The parts of pg's `Client` a cancel request needs: its key and where it connected. @internal */
export interface CancellableConnection {
  /** pg's own flag: `false` while a statement is on its way or running. */
  readyForQuery?: boolean;
  /** From the server's BackendKeyData: the backend's pid, or PgBouncer's stand-in for it. */
  processID?: number | null;
  secretKey?: number | null;
  host?: string;
  port?: number;
  ssl?: boolean | TlsOptions;
  connectionParameters?: { host?: string; port?: number; ssl?: boolean | TlsOptions };
}

/**
 * How long to wait before sending the request again while the statement still runs: a request that
 * reaches an idle backend is dropped (the statement had been sent but not started yet), and so is one
 * that reaches PgBouncer while the client waits for a server connection.
 */
const RESEND_AFTER_MS = [20, 40, 80, 160, 320, 640];

/** `CancelRequest` code (1234 << 16 | 5678) and `SSLRequest` code (1234 << 16 | 5679). */
const CANCEL_REQUEST = 80877102;
const SSL_REQUEST = 80877103;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Cancels whatever statement `connection` is running, with the protocol's cancel request (what psql's
 * Ctrl-C and JDBC's `Statement.cancel` send): a new socket to the same server carrying the
 * connection's process id and secret key. Never from the pool, which may be exhausted by the very
 * units of work that are waiting. Through PgBouncer the key is PgBouncer's own for this client, and
 * PgBouncer forwards the request to the server connection the client is linked to, the one running
 * the statement; `pg_cancel_backend(pid)` could not do that, since the client never learns that
 * backend's pid. Resolves once the server (or PgBouncer) closed the socket, i.e. has taken the request
 * in; a connection that used TLS asks for TLS first. @internal
 */
export function cancelBackendStatement(connection: CancellableConnection, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const { processID, secretKey } = connection;
  if (typeof processID !== "number" || typeof secretKey !== "number") return Promise.reject(new Error("the connection has no cancel key (no BackendKeyData from the server)"));
  const host = connection.connectionParameters?.host ?? connection.host ?? "localhost";
  const port = connection.connectionParameters?.port ?? connection.port ?? 5432;
  const ssl = connection.connectionParameters?.ssl ?? connection.ssl;
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(CANCEL_REQUEST, 4);
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  return new Promise<void>((resolve, reject) => {
    const socket = host.startsWith("/") ? connectTcp(`${host}/.s.PGSQL.${port}`) : connectTcp(port, host);
    let current: Socket = socket;
    const fail = (error: Error) => {
      current.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`the cancel request to ${host}:${port} got no answer in ${timeoutMs} ms`)));
    socket.on("error", fail);
    // The server reads the request, signals the backend and closes the socket: the close is the answer.
    const send = (to: Socket) => {
      current = to;
      to.on("close", () => resolve());
      to.write(request);
    };
    socket.once("connect", () => {
      if (!ssl || host.startsWith("/")) return send(socket);
      const sslRequest = Buffer.alloc(8);
      sslRequest.writeInt32BE(8, 0);
      sslRequest.writeInt32BE(SSL_REQUEST, 4);
      socket.once("data", (answer) => {
        if (answer[0] !== 0x53 /* S */) return send(socket); // no TLS there: the plain request is accepted
        const tls = connectTls({ socket, host, ...(isIP(host) ? {} : { servername: host }), ...(ssl === true ? {} : ssl) });
        tls.on("error", fail);
        tls.once("secureConnect", () => send(tls));
      });
      socket.write(sslRequest);
    });
  });
}

/**
 * Cancels the statement `connection` is running, and sends the request again while `busy()` says the
 * statement still runs (see `RESEND_AFTER_MS`), so a statement that started just after the first
 * request is cancelled too. The caller sends nothing new on the connection meanwhile. @internal
 */
export async function cancelStatementInFlight(connection: CancellableConnection, busy: () => boolean): Promise<void> {
  await cancelBackendStatement(connection);
  for (const delay of RESEND_AFTER_MS) {
    if (!busy()) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (!busy()) return;
    await cancelBackendStatement(connection);
  }
}
