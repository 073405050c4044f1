/**
 * The capabilities dewy's core needs from the JavaScript runtime it runs on.
 *
 * Nothing under `src/` outside `src/runtime/` touches `Deno.*`, `Bun.*` or `node:net`, nor
 * reads the environment, uid, gid, cwd or home directory of the process; the core receives a
 * {@link Runtime} from the entry point instead. One adapter per runtime implements it:
 * `deno.ts`, `bun.ts`, `node.ts`.
 *
 * @module
 */

/** A listening TCP socket. */
export interface TcpListener {
  /** The bound port (useful when port 0 was asked for). */
  readonly port: number;
  /** Stop accepting; connections already accepted are not touched. */
  close(): void;
}

/**
 * An accepted or dialled TCP connection, opaque to the core.
 *
 * The core never reads or writes it chunk by chunk: it hands a client/backend pair to
 * {@link Runtime.relay}, which moves the bytes in the runtime's fastest way.
 */
export interface TcpConn {
  /** Close both directions at once (the relay does this itself when both sides ended). */
  close(): void;
}

/** Why dialling a TCP peer failed (no byte was sent, so any kind is retried elsewhere). */
export type ConnectFailure = "refused" | "timeout" | "unreachable" | "other";

/** Thrown by {@link Runtime.connectTcp}; carries the normalised failure kind. */
export class TcpConnectError extends Error {
  /** Normalised failure kind. */
  readonly kind: ConnectFailure;
  /** @param kind normalised kind @param target `host:port` @param cause the runtime's error */
  constructor(kind: ConnectFailure, target: string, cause?: unknown) {
    const what = kind === "refused"
      ? "connection refused"
      : kind === "timeout"
      ? "timed out"
      : kind === "unreachable"
      ? "host unreachable"
      : String((cause as Error)?.message ?? cause);
    super(`connect to ${target} failed: ${what}`, { cause });
    this.name = "TcpConnectError";
    this.kind = kind;
  }
}

/** What a relay reports when it has finished (both directions ended, sockets closed). */
export interface RelayResult {
  /** Bytes read from the client and written to the backend. */
  readonly clientToBackend: number;
  /** Bytes read from the backend and written to the client. */
  readonly backendToClient: number;
  /** The error that ended the relay early (reset, write failure), if any. */
  readonly error?: unknown;
}

/**
 * A running bidirectional copy between a client and a backend.
 *
 * The counters are plain numbers updated per chunk (no metric calls on the hot path);
 * `activity` increases on every chunk in either direction so an idle sweeper can tell
 * whether anything moved since it last looked.
 */
export interface Relay {
  /** Bytes copied client → backend so far. */
  readonly clientToBackend: number;
  /** Bytes copied backend → client so far. */
  readonly backendToClient: number;
  /** Increases on every chunk moved in either direction. */
  readonly activity: number;
  /** Abort: close both sockets now. `onEnd` still fires once. */
  close(): void;
}

/** Callbacks and settings of {@link Runtime.relay}. */
export interface RelayOptions {
  /** Called exactly once, after both sockets are closed. */
  onEnd(result: RelayResult): void;
}

/** One HTTP server started by {@link Runtime.serveHttp}. */
export interface HttpServer {
  /** The bound port. */
  readonly port: number;
  /** Stop accepting and close the listening socket. */
  close(): Promise<void>;
}

/** Options of {@link Runtime.serveHttp}. */
export interface ServeHttpOptions {
  /** Interface to bind, e.g. `127.0.0.1`. */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The request handler (a Hono app's `fetch`). */
  fetch(request: Request): Response | Promise<Response>;
}

/** Signals dewy reacts to. */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGQUIT" | "SIGHUP" | "SIGUSR1";

/** A `fetch` whose requests travel over a unix socket (the container engine's API). */
export type UnixFetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * Everything runtime-specific, supplied to the core by the entry point.
 *
 * @example
 * ```ts
 * import { denoRuntime } from "./src/runtime/deno.ts";
 * const listener = await denoRuntime.listenTcp("0.0.0.0", 8080, (conn) => conn.close());
 * ```
 */
export interface Runtime {
  /** Which runtime this is, for logs and `--version`. */
  readonly name: "deno" | "bun" | "node";
  /** The runtime's own version string. */
  readonly version: string;
  /**
   * Listen for TCP connections on `hostname:port` (`0.0.0.0` or `::` = all interfaces).
   * Rejects with a clear error when the port is in use.
   */
  listenTcp(
    hostname: string,
    port: number,
    onAccept: (conn: TcpConn) => void,
  ): Promise<TcpListener>;
  /** Dial a TCP peer; rejects with {@link TcpConnectError} after at most `timeoutMs`. */
  connectTcp(hostname: string, port: number, timeoutMs: number): Promise<TcpConn>;
  /**
   * Is something really serving `hostname:port`? Connects, sends nothing, and answers `false`
   * when the connection fails or the peer closes it within `settleMs` without sending a byte —
   * what a port forwarder (docker-proxy) does while the app behind it is not listening yet.
   */
  probeTcp(hostname: string, port: number, timeoutMs: number, settleMs: number): Promise<boolean>;
  /**
   * Copy bytes both ways between two connections with backpressure, propagating a
   * half-close (FIN) from either side to the other; close both when both directions ended
   * or on any error.
   */
  relay(client: TcpConn, backend: TcpConn, options: RelayOptions): Relay;
  /** A `fetch` bound to the unix socket at `socketPath` (HTTP over the engine's socket). */
  unixFetch(socketPath: string): UnixFetch;
  /** Serve HTTP (the admin API) on `hostname:port`. Rejects when the port is in use. */
  serveHttp(options: ServeHttpOptions): Promise<HttpServer>;
  /** Call `handler` when `signal` arrives; returns a function that removes the handler. */
  onSignal(signal: SignalName, handler: () => void): () => void;
  /** Read an environment variable. */
  env(name: string): string | undefined;
  /** Set an environment variable of this process (seen by `fetch` and by child processes). */
  setEnv(name: string, value: string): void;
  /** A copy of the whole environment (the base environment of hook processes). */
  environment(): Record<string, string>;
  /** The current working directory. */
  cwd(): string;
  /** The user's home directory (`~/.docker/config.json` is read from it). */
  homeDir(): string;
  /** This host's name (notification footers). */
  hostName(): string;
  /** The name of the user dewy runs as (mail footers); `unknown (why)` when it has none. */
  userName(): string;
  /** This process's user id; 0 where the platform has none. */
  uid(): number;
  /** This process's group id; 0 where the platform has none. */
  gid(): number;
  /** The soft limit on open file descriptors (`ulimit -n`); `undefined` when unknown. */
  openFileLimit(): number | undefined;
  /** Command-line arguments after the program (and script) name. */
  args(): string[];
  /** Exit the process now with `code`. */
  exit(code: number): never;
}
