/**
 * The Bun adapter: native `Bun.listen`/`Bun.connect` sockets (callbacks, no promise per
 * chunk), `fetch(url, { unix })` for the engine's socket, `Bun.serve` for the admin API.
 * The relay itself is `_bun-relay.ts`.
 *
 * @module
 */
import {
  type ConnectFailure,
  type HttpServer,
  type Runtime,
  type ServeHttpOptions,
  type SignalName,
  type TcpConn,
  TcpConnectError,
  type TcpListener,
  type UnixFetch,
} from "./types.ts";
import process from "node:process";
import {
  BunRelay,
  type BunSocket,
  type BunSocketHandler,
  handler,
  type Side,
} from "./_bun-relay.ts";
import { nodeProcess } from "./node-process.ts";

interface BunTcpListener {
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}
interface BunServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  /** The idle timeout of one request in seconds; 0 = none. */
  timeout(request: Request, seconds: number): void;
}
declare const Bun: {
  readonly version: string;
  listen(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    socket: BunSocketHandler;
  }): BunTcpListener;
  connect(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    socket: BunSocketHandler;
  }): Promise<BunSocket>;
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request, server: BunServer): Response | Promise<Response>;
  }): BunServer;
};

function failureKind(error: unknown): ConnectFailure {
  const code = (error as { code?: string })?.code ?? "";
  const message = String((error as Error)?.message ?? "");
  if (code === "ECONNREFUSED" || /refused/i.test(message)) return "refused";
  if (code === "ETIMEDOUT" || /timed? ?out/i.test(message)) return "timeout";
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "unreachable";
  return "other";
}

// `async` on purpose: a bind failure (port in use) becomes a rejection, as the interface says.
// deno-lint-ignore require-await
async function listenTcp(
  hostname: string,
  port: number,
  onAccept: (conn: TcpConn) => void,
): Promise<TcpListener> {
  const listener = Bun.listen({
    hostname,
    port,
    allowHalfOpen: true,
    socket: {
      ...handler,
      open(socket) {
        handler.open(socket);
        onAccept(socket.data);
      },
    },
  });
  return { port: listener.port, close: () => listener.stop(false) };
}

function connectTcp(hostname: string, port: number, timeoutMs: number): Promise<TcpConn> {
  // Runs once per proxied connection: one promise and one timer, no Promise.race.
  return new Promise((resolve, reject) => {
    const connecting = Bun.connect({ hostname, port, allowHalfOpen: true, socket: handler });
    const timer = setTimeout(() => {
      reject(new TcpConnectError("timeout", `${hostname}:${port}`));
      connecting.then((late) => late.terminate(), ignore);
    }, timeoutMs);
    connecting.then((socket) => {
      clearTimeout(timer);
      resolve(socket.data);
    }, (error) => {
      clearTimeout(timer);
      reject(new TcpConnectError(failureKind(error), `${hostname}:${port}`, error));
    });
  });
}

function ignore(): void {}

async function probeTcp(
  hostname: string,
  port: number,
  timeoutMs: number,
  settleMs: number,
): Promise<boolean> {
  let side: Side;
  try {
    side = await connectTcp(hostname, port, timeoutMs) as Side;
  } catch {
    return false;
  }
  // The shared socket handler records what happens before any relay: bytes in `early`,
  // a FIN in `readEnded`, a close in `closed`.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const serving = side.early !== null || !(side.readEnded || side.closed);
  side.close();
  return serving;
}

function unixFetch(socketPath: string): UnixFetch {
  return (url, init) => fetch(url, { ...init, unix: socketPath } as RequestInit);
}

// `async` on purpose: a bind failure becomes a rejection, as the interface says.
// deno-lint-ignore require-await
async function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    fetch: (request, server) => {
      // Bun closes a request idle for 10 s; a rollback or a `?wait=true` deploy answers when
      // its rolling deploy is done, which takes longer.
      if (request.method === "POST") server.timeout(request, 0);
      return options.fetch(request);
    },
  });
  return {
    port: server.port,
    close: async () => {
      await server.stop(true);
    },
  };
}

function onSignal(signal: SignalName, listener: () => void): () => void {
  process.on(signal, listener);
  return () => process.off(signal, listener);
}

/** The {@link Runtime} for Bun. */
export const bunRuntime: Runtime = {
  name: "bun",
  version: Bun.version,
  listenTcp,
  connectTcp,
  probeTcp,
  relay: (client, backend, options) => new BunRelay(client as Side, backend as Side, options),
  unixFetch,
  serveHttp,
  onSignal,
  ...nodeProcess,
};
