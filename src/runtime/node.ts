/**
 * The Node adapter, on `node:net`: also the fallback for any runtime that implements
 * `node:net`. Sockets are half-open capable (`allowHalfOpen`), so a FIN is forwarded with
 * `end()` once every byte before it was written; a write the kernel does not take pauses the
 * source until `drain`. HTTP (the engine's socket, the admin API) lives in `node-http.ts`.
 *
 * @module
 */
import { connect, createServer, type Socket } from "node:net";
import process from "node:process";
import {
  type ConnectFailure,
  type Relay,
  type RelayOptions,
  type Runtime,
  type SignalName,
  type TcpConn,
  TcpConnectError,
  type TcpListener,
} from "./types.ts";
import { serveHttp, unixFetch } from "./node-http.ts";
import { nodeProcess } from "./node-process.ts";

/**
 * One socket. Until a relay takes it, it stays paused and remembers a FIN, a close or an
 * error, so nothing that happens between accept/connect and the relay is lost or uncaught.
 */
class NodeConn implements TcpConn {
  readonly socket: Socket;
  relay: NodeRelay | null = null;
  /** This side sent its FIN. */
  readEnded = false;
  /** The socket is closed (both ways). */
  closed = false;
  error: unknown = undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on("end", () => {
      this.readEnded = true;
      this.relay?.ended(this);
    });
    socket.on("close", () => {
      this.closed = true;
      this.relay?.closed();
    });
    socket.on("error", (error) => {
      this.error ??= error;
      this.relay?.failed(error);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

class NodeRelay implements Relay {
  clientToBackend = 0;
  backendToClient = 0;
  activity = 0;
  #client: NodeConn;
  #backend: NodeConn;
  #options: RelayOptions | null;
  #error: unknown = undefined;

  constructor(client: NodeConn, backend: NodeConn, options: RelayOptions) {
    this.#client = client;
    this.#backend = backend;
    this.#options = options;
    client.relay = this;
    backend.relay = this;
    this.#error = client.error ?? backend.error;
    if (this.#error !== undefined || client.closed || backend.closed) {
      this.close();
      return;
    }
    this.#pipe(client, backend, true);
    this.#pipe(backend, client, false);
  }

  /** Copy `from` to `to`: pause `from` while `to` holds more than its buffer, resume on drain. */
  #pipe(from: NodeConn, to: NodeConn, upstream: boolean): void {
    const source = from.socket, sink = to.socket;
    source.on("data", (chunk: Buffer) => {
      if (upstream) this.clientToBackend += chunk.length;
      else this.backendToClient += chunk.length;
      this.activity++;
      if (!sink.write(chunk)) source.pause();
    });
    sink.on("drain", () => source.resume());
    // A FIN that came before the relay: `end` was emitted already, forward it now.
    if (from.readEnded) this.ended(from);
    else source.resume();
  }

  /** `from` sent its FIN: forward it after the bytes still queued for the peer. */
  ended(from: NodeConn): void {
    const to = from === this.#client ? this.#backend : this.#client;
    if (!to.closed) to.socket.end();
  }

  /** A socket closed: when both are, the relay is over (Node closes a socket ended both ways). */
  closed(): void {
    if (this.#client.closed && this.#backend.closed) this.#finish();
  }

  failed(error: unknown): void {
    this.#error ??= error;
    this.close();
  }

  #finish(): void {
    const options = this.#options;
    if (!options) return;
    this.#options = null;
    options.onEnd({
      clientToBackend: this.clientToBackend,
      backendToClient: this.backendToClient,
      error: this.#error,
    });
  }

  close(): void {
    this.#client.socket.destroy();
    this.#backend.socket.destroy();
    // Both may have closed already (nothing more will be emitted): finish here then.
    if (this.#client.closed && this.#backend.closed) this.#finish();
  }
}

function failureKind(error: unknown): ConnectFailure {
  const code = (error as { code?: string })?.code;
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ETIMEDOUT") return "timeout";
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "unreachable";
  return "other";
}

function listenTcp(
  hostname: string,
  port: number,
  onAccept: (conn: TcpConn) => void,
): Promise<TcpListener> {
  // Paused on accept: bytes stay in the kernel until the relay starts.
  const server = createServer(
    { allowHalfOpen: true, pauseOnConnect: true, noDelay: true },
    (socket) => onAccept(new NodeConn(socket)),
  );
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port }, () => {
      server.off("error", reject);
      // Accept errors (out of file descriptors) are not fatal: Node keeps accepting.
      server.on("error", ignore);
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        close: () => void server.close(),
      });
    });
  });
}

function connectTcp(hostname: string, port: number, timeoutMs: number): Promise<TcpConn> {
  const target = `${hostname}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port, allowHalfOpen: true, noDelay: true });
    socket.pause();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TcpConnectError("timeout", target));
    }, timeoutMs);
    const failed = (error: Error) => {
      clearTimeout(timer);
      reject(new TcpConnectError(failureKind(error), target, error));
    };
    socket.once("error", failed);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", failed);
      resolve(new NodeConn(socket));
    });
  });
}

function ignore(): void {}

// A reader of dewy's stdout/stderr that goes away (a closed pipe) must not end dewy and its
// clean-up: Node reports EPIPE as an error event, uncaught it exits 1. Bun and Deno go on.
process.stdout.on("error", ignore);
process.stderr.on("error", ignore);

async function probeTcp(
  hostname: string,
  port: number,
  timeoutMs: number,
  settleMs: number,
): Promise<boolean> {
  let conn: NodeConn;
  try {
    conn = await connectTcp(hostname, port, timeoutMs) as NodeConn;
  } catch {
    return false;
  }
  const socket = conn.socket;
  // Waits for the first of: a byte (serving), a FIN or a close (a forwarder with no app), or
  // `settleMs` of silence (serving).
  const serving = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), settleMs);
    const settle = (open: boolean) => () => {
      clearTimeout(timer);
      resolve(open);
    };
    socket.once("data", settle(true));
    socket.once("end", settle(false));
    socket.once("close", settle(false));
    socket.resume();
  });
  conn.close();
  return serving;
}

function onSignal(signal: SignalName, listener: () => void): () => void {
  process.on(signal, listener);
  return () => process.off(signal, listener);
}

/** The {@link Runtime} for Node (and any runtime that implements `node:net`). */
export const nodeRuntime: Runtime = {
  name: "node",
  version: process.versions.node,
  listenTcp,
  connectTcp,
  probeTcp,
  relay: (client, backend, options) =>
    new NodeRelay(client as NodeConn, backend as NodeConn, options),
  unixFetch,
  serveHttp,
  onSignal,
  ...nodeProcess,
};
