/**
 * Small TCP helpers for tests: real local servers and clients on 127.0.0.1 (node:net runs
 * on Deno and Bun alike).
 *
 * @module
 */
import * as net from "node:net";

/** A started TCP server and its port. */
export interface TestServer {
  port: number;
  /** Sockets currently open on the server side. */
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** Start a TCP server on 127.0.0.1 with `onConnection` handling each socket. */
export async function startServer(onConnection: (socket: net.Socket) => void): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An echo server that answers each connection's bytes back and ends when the client ends. */
export function startEchoServer(): Promise<TestServer> {
  return startServer((socket) => socket.pipe(socket));
}

/** A server that answers `reply` to the first bytes of every connection, then ends. */
export function startReplyServer(reply: string): Promise<TestServer> {
  return startServer((socket) => socket.once("data", () => socket.end(reply)));
}

/** Close `server` and wait for it; resolves at once when it is undefined or not listening. */
export function closeServer(server: net.Server | undefined): Promise<void> {
  return new Promise((resolve) => server?.listening ? server.close(() => resolve()) : resolve());
}

/** A port with nothing listening on it (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = await startServer(() => {});
  await server.close();
  return server.port;
}

/** Whether a TCP connection to `host:port` is accepted (false when refused or after `timeoutMs`). */
export function connects(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("connect", () => done(true));
    socket.on("error", () => done(false));
  });
}

/** Result of {@link exchange}. */
export interface Exchange {
  /** Everything the server sent back. */
  received: Buffer;
  /** Whether the connection was closed without the peer ending cleanly. */
  errored: boolean;
}

/**
 * Connect to `port`, send `payload`, half-close (FIN) our side, and collect the reply until
 * the peer closes. Times out after `timeoutMs`.
 */
export function exchange(
  port: number,
  payload: Uint8Array | string,
  timeoutMs = 10_000,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let errored = false;
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`exchange with port ${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", () => (errored = true));
    socket.on("end", () => socket.end());
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), errored });
    });
    socket.on("connect", () => socket.end(payload));
  });
}

/**
 * A predicate for {@link waitFor}: whether `emitter` has emitted `event` since this call
 * (listen before the event can happen).
 */
export function emitted(
  emitter: { once(event: string, listener: () => void): unknown },
  event: string,
): () => boolean {
  let seen = false;
  emitter.once(event, () => (seen = true));
  return () => seen;
}

/**
 * Resolve when `predicate` holds, polling every 10 ms; reject after `timeoutMs`, naming
 * `what` (a function is asked at that moment, to report the state that was waited on).
 */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what: string | (() => string) = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      const named = typeof what === "string" ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${named}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
