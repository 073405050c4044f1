/**
 * The Bun adapter: native `Bun.listen`/`Bun.connect` sockets (callbacks, no promise per
 * chunk), `fetch(url, { unix })` for the engine's socket, `Bun.serve` for the admin API.
 *
 * The relay follows what was measured to be both fast and correct on Bun:
 * `allowHalfOpen` on both ends, a FIN forwarded with `shutdown()` (never `end()`, which
 * closes the whole socket), partial writes queued with the source paused until `drain`.
 *
 * @module
 */
import {
  type ConnectFailure,
  type HttpServer,
  type Relay,
  type RelayOptions,
  type RelayResult,
  type Runtime,
  type ServeHttpOptions,
  type SignalName,
  type TcpConn,
  TcpConnectError,
  type TcpListener,
  type UnixFetch,
} from "./types.ts";
import process from "node:process";

// Minimal structural types for the parts of Bun used here (no dependency on @types/bun).
interface BunSocket {
  data: Side;
  write(data: Uint8Array): number;
  shutdown(halfClose?: boolean): void;
  end(): void;
  terminate(): void;
  pause?(): void;
  resume?(): void;
}
interface BunSocketHandler {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  binaryType?: "uint8array" | "buffer";
}
interface BunTcpListener {
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}
interface BunServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
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
    fetch(request: Request): Response | Promise<Response>;
  }): BunServer;
};

/**
 * One socket's state. `onAccept` sees the Side as the {@link TcpConn}; once a relay pairs
 * two Sides, `peer` points across and `queue` holds bytes the kernel did not take yet.
 */
class Side implements TcpConn {
  readonly socket: BunSocket;
  peer: Side | null = null;
  relay: BunRelay | null = null;
  /** Bytes that arrived before the relay started (rare: sent before the backend answered). */
  early: Uint8Array[] | null = null;
  /** Bytes waiting to be written to this socket (backpressure). */
  queue: Uint8Array[] = [];
  /** The peer's FIN has to be forwarded to this socket once `queue` is flushed. */
  shutdownPending = false;
  /** This socket sent its FIN (or closed). */
  readEnded = false;
  /** We shut down this socket's write side. */
  writeShut = false;
  closed = false;
  upstream = false;

  // No setNoDelay(): Bun sets TCP_NODELAY on every accepted and dialled socket itself, a
  // second setsockopt per socket only costs a syscall on each new connection.
  constructor(socket: BunSocket) {
    this.socket = socket;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }
}

class BunRelay implements Relay {
  clientToBackend = 0;
  backendToClient = 0;
  activity = 0;
  #client: Side;
  #backend: Side;
  #options: RelayOptions | null;
  #error: unknown = undefined;

  constructor(client: Side, backend: Side, options: RelayOptions) {
    this.#client = client;
    this.#backend = backend;
    this.#options = options;
    client.upstream = true;
    client.peer = backend;
    backend.peer = client;
    client.relay = this;
    backend.relay = this;
    this.#replayEarly(client);
    this.#replayEarly(backend);
    if (client.closed || backend.closed) this.close();
  }

  /** Forward what `side` received (and its FIN) before the relay existed. */
  #replayEarly(side: Side): void {
    const early = side.early;
    side.early = null;
    if (early) {
      for (const chunk of early) this.forward(side, chunk);
      if (side.peer!.queue.length === 0) side.socket.resume?.();
    }
    if (side.readEnded) this.sourceEnded(side);
  }

  /** Copy `chunk`, read from `from`, to its peer, queueing what the kernel does not take. */
  forward(from: Side, chunk: Uint8Array): void {
    const to = from.peer!;
    const n = chunk.length;
    if (from.upstream) this.clientToBackend += n;
    else this.backendToClient += n;
    this.activity++;
    if (to.queue.length > 0) {
      to.queue.push(chunk.slice());
      return;
    }
    const written = to.socket.write(chunk);
    if (written < n) {
      to.queue.push(chunk.slice(Math.max(written, 0)));
      from.socket.pause?.();
    }
  }

  /** `to` can take more bytes: write its queue, then let its peer read again. */
  drained(to: Side): void {
    const queue = to.queue;
    while (queue.length > 0) {
      const head = queue[0];
      const written = to.socket.write(head);
      if (written < head.length) {
        queue[0] = head.subarray(Math.max(written, 0));
        return;
      }
      queue.shift();
    }
    if (to.shutdownPending) this.#shutdown(to);
    else to.peer?.socket.resume?.();
  }

  /** `from` sent its FIN: forward it once everything before it was written. */
  sourceEnded(from: Side): void {
    from.readEnded = true;
    const to = from.peer!;
    if (to.queue.length > 0) to.shutdownPending = true;
    else this.#shutdown(to);
  }

  #shutdown(to: Side): void {
    to.shutdownPending = false;
    if (!to.writeShut && !to.closed) to.socket.shutdown();
    to.writeShut = true;
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    const c = this.#client, b = this.#backend;
    const done = (c.readEnded && b.writeShut) && (b.readEnded && c.writeShut);
    if (done) this.#end();
  }

  /** A socket closed: a clean close after our shutdown ends its direction; else abort. */
  socketClosed(side: Side, error?: unknown): void {
    side.closed = true;
    if (error !== undefined && this.#error === undefined) this.#error = error;
    if (!this.#options) return;
    if (!side.readEnded) this.sourceEnded(side);
    if (!side.writeShut || error !== undefined) this.close();
    else this.#maybeFinish();
  }

  failed(side: Side, error: unknown): void {
    if (this.#error === undefined) this.#error = error;
    side.closed = true;
    this.close();
  }

  #end(): void {
    const options = this.#options;
    if (!options) return;
    this.#options = null;
    this.#client.close();
    this.#backend.close();
    const result: RelayResult = {
      clientToBackend: this.clientToBackend,
      backendToClient: this.backendToClient,
      error: this.#error,
    };
    options.onEnd(result);
  }

  close(): void {
    this.#end();
  }
}

const handler: BunSocketHandler = {
  binaryType: "uint8array",
  open(socket) {
    socket.data = new Side(socket);
  },
  data(socket, chunk) {
    const side = socket.data;
    if (side.relay) side.relay.forward(side, chunk);
    else {
      // No relay yet: keep this chunk, and leave the rest in the kernel until there is one.
      (side.early ??= []).push(chunk.slice());
      socket.pause?.();
    }
  },
  drain(socket) {
    socket.data.relay?.drained(socket.data);
  },
  end(socket) {
    const side = socket.data;
    if (side.relay) side.relay.sourceEnded(side);
    else side.readEnded = true;
  },
  close(socket, error) {
    const side = socket.data;
    if (!side) return;
    if (side.relay) side.relay.socketClosed(side, error);
    else side.closed = true;
  },
  error(socket, error) {
    const side = socket.data;
    if (side?.relay) side.relay.failed(side, error);
    else if (side) side.closed = true;
  },
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
    fetch: (request) => options.fetch(request),
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
  env: (name) => process.env[name],
  setEnv: (name, value) => void (process.env[name] = value),
  args: () => process.argv.slice(2),
  exit: (code) => process.exit(code),
};
