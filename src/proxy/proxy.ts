/**
 * The TCP proxy: one listener per public port, round-robin over a {@link BackendPool},
 * retry on a backend that refuses, half-close and backpressure through the runtime's relay,
 * an idle timeout, and telemetry hooks that cost nothing when no observer is attached.
 *
 * @module
 */
import type { Runtime, TcpConn, TcpListener } from "../runtime/types.ts";
import type { Backend } from "./backend.ts";
import type { ProxyErrorKind } from "./error-kinds.ts";
import { BackendPool } from "./pool.ts";
import { defaultMaxConnections } from "./connection-cap.ts";
import { ConnectionLimit } from "./connection-limit.ts";
import { ThrottledLog } from "./throttled-log.ts";
import { type Logger, silentLogger } from "../log.ts";
import { errorCode, errorMessage, RuntimeFailure } from "../errors.ts";
import { addressInUse, listenHint } from "./listen-errors.ts";
import { RefusalReport } from "./refusals.ts";
import { IDLE_SWEEPS, sweepIdle } from "./idle-sweep.ts";
import type { OpenConnection, ProxyObserver, TcpProxyOptions } from "./types.ts";

/** Time the proxy waits for a backend's TCP handshake before trying the next backend. */
const PROXY_CONNECT_TIMEOUT_MS = 5_000;

export type { ProxyErrorKind } from "./error-kinds.ts";
export type { ProxyObserver, TcpProxyOptions } from "./types.ts";
/** `--proxy-retry-window`'s default: how long a client waits while every backend refuses. */
export const RETRY_WINDOW_MS = 2_000;
/** First pause between two rounds of dials of a held client; it doubles up to the next. */
const RETRY_FIRST_PAUSE_MS = 10;
/** Longest pause between two rounds of dials of a held client. */
const RETRY_MAX_PAUSE_MS = 200;

/** Idle timeout when none is given, and `--proxy-idle-timeout`'s default: 5 min without bytes. */
export const IDLE_TIMEOUT_MS = 300_000;

/**
 * A TCP proxy for one public port.
 *
 * @example
 * ```ts
 * const proxy = new TcpProxy(runtime, { port: 8080 });
 * proxy.pool.add(new Backend("127.0.0.1", 32768));
 * await proxy.start();
 * ```
 */
export class TcpProxy {
  /** The backends this proxy round-robins over. */
  readonly pool: BackendPool;
  #runtime: Runtime;
  #listener: TcpListener | null = null;
  #requestedPort: number;
  #hostname: string | undefined;
  #idleTimeoutMs: number;
  #connectTimeoutMs: number;
  #retryWindowMs: number;
  #refusals: RefusalReport;
  #observer: ProxyObserver | undefined;
  #log: Logger;
  #throttled: ThrottledLog;
  #limit: ConnectionLimit;
  #open = new Set<OpenConnection>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #idleWaiters: Array<() => void> = [];
  #startupGate: Promise<void> | undefined;

  /** @param runtime the runtime adapter @param options port, timeouts, observer, logger */
  constructor(runtime: Runtime, options: TcpProxyOptions) {
    this.#runtime = runtime;
    this.#requestedPort = options.port;
    this.#hostname = options.hostname;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? PROXY_CONNECT_TIMEOUT_MS;
    this.#observer = options.observer;
    this.#log = options.logger ?? silentLogger;
    this.#throttled = new ThrottledLog(this.#log);
    this.#retryWindowMs = options.retryWindowMs ?? RETRY_WINDOW_MS;
    this.#refusals = new RefusalReport(this.#log, () => this.port, this.#retryWindowMs);
    this.#limit = options.connectionLimit ??
      new ConnectionLimit(defaultMaxConnections(runtime.openFileLimit()));
    const observer = this.#observer;
    this.pool = new BackendPool(
      observer ? (_, delta) => observer.backendsChanged(this.port, delta) : undefined,
    );
  }

  /** The public port (the bound one once started). */
  get port(): number {
    return this.#listener?.port ?? this.#requestedPort;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.#open.size;
  }

  /** Start listening. Rejects with a {@link RuntimeFailure} naming the port when it is taken. */
  async start(): Promise<void> {
    const hosts = this.#hostname ? [this.#hostname] : ["::", "0.0.0.0"];
    let lastError: unknown;
    for (const host of hosts) {
      try {
        this.#listener = await this.#runtime.listenTcp(host, this.#requestedPort, this.#accept);
        break;
      } catch (error) {
        lastError = error;
        if (addressInUse(error)) break;
      }
    }
    if (!this.#listener) {
      throw new RuntimeFailure(
        `Cannot listen on proxy port ${this.#requestedPort}: ${errorMessage(lastError)} ` +
          listenHint(lastError, this.#requestedPort),
        { cause: lastError },
      );
    }
    if (this.#idleTimeoutMs > 0) {
      const period = Math.max(10, Math.floor(this.#idleTimeoutMs / IDLE_SWEEPS));
      this.#sweeper = setInterval(() => sweepIdle(this.#open, this.#log, this.port), period);
    }
  }

  /**
   * Until `ready` settles (at most `maxWaitMs`), a client that finds no backend waits for one
   * instead of being closed. Used at start-up while running replicas are adopted, so a
   * restarted dewy refuses no connection once it listens.
   */
  holdClientsUntil(ready: Promise<unknown>, maxWaitMs: number): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gate: Promise<void> = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxWaitMs);
      ready.then(() => resolve(), () => resolve());
    }).then(() => {
      clearTimeout(timer);
      if (this.#startupGate === gate) this.#startupGate = undefined;
    });
    this.#startupGate = gate;
  }

  /** Stop accepting new connections; open ones continue. */
  stopAccepting(): void {
    this.#listener?.close();
  }

  /**
   * Wait until every open connection has finished (up to `timeoutMs`), then close the rest.
   * Resolves with the number of connections that had to be cut.
   */
  async drain(timeoutMs: number): Promise<number> {
    if (this.#open.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        const waiters = this.#idleWaiters;
        function done() {
          clearTimeout(timer);
          const i = waiters.indexOf(done);
          if (i >= 0) waiters.splice(i, 1);
          resolve();
        }
        waiters.push(done);
      });
    }
    const cut = this.#open.size;
    this.closeConnections();
    return cut;
  }

  /** Close every open connection now. */
  closeConnections(): void {
    for (const open of [...this.#open]) {
      if (open.relay) open.relay.close();
      else {
        open.cut = true;
        open.client.close();
      }
    }
  }

  /** Stop accepting, close every connection and the idle sweeper. */
  close(): void {
    this.stopAccepting();
    clearInterval(this.#sweeper);
    this.closeConnections();
    this.#throttled.flush();
    this.#refusals.close();
  }

  #accept = (client: TcpConn): void => {
    const observer = this.#observer;
    if (!this.#limit.tryAcquire()) {
      client.close();
      observer?.error(this.port, "max_connections");
      this.#throttled.warn("Proxy connection refused: too many connections", {
        proxy_port: this.port,
        max_connections: this.#limit.max,
        hint: "raise --max-connections (and ulimit -n / LimitNOFILE) if clients are legitimate",
      });
      return;
    }
    const startedAt = observer ? performance.now() : 0;
    observer?.connectionOpened(this.port);
    const open: OpenConnection = {
      relay: null,
      client,
      seenActivity: 0,
      idleSweeps: 0,
      cut: false,
    };
    this.#open.add(open);
    this.#dial(open, startedAt).catch((error) => {
      this.#log.error("Proxy connection failed", { proxy_port: this.port, error });
      client.close();
      this.#finished(open, startedAt, 0, 0);
    });
  };

  /**
   * Connect `open` to a backend. When none accepts (an engine restarting), hold the client and
   * retry with back-off for the retry window; only a client whose window runs out is an error.
   */
  async #dial(open: OpenConnection, startedAt: number): Promise<void> {
    let deadline = 0; // set once the client is held
    let pause = RETRY_FIRST_PAUSE_MS;
    let failure: ProxyErrorKind;
    for (;;) {
      if (this.#startupGate !== undefined && this.pool.size === 0) await this.#startupGate;
      const outcome = await this.#tryBackends(open, startedAt);
      if (outcome === "relayed") {
        if (deadline !== 0) this.#refusals.release(true);
        return;
      }
      failure = outcome;
      if (open.cut) break;
      const now = performance.now();
      if (deadline === 0) {
        if (this.#retryWindowMs <= 0) break;
        deadline = now + this.#retryWindowMs;
        this.#refusals.hold();
      }
      if (now >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, deadline - now)));
      pause = Math.min(pause * 2, RETRY_MAX_PAUSE_MS);
    }
    if (deadline !== 0) this.#refusals.release(false);
    else if (!open.cut) this.#refusals.failedAtOnce();
    if (!open.cut) {
      this.#observer?.error(this.port, failure);
      this.#log.debug("No backend accepted, closing client", { proxy_port: this.port });
    }
    open.client.close();
    this.#finished(open, startedAt, 0, 0);
  }

  /**
   * One round: try each backend in rotation at most once (no bytes were sent yet, so a retry
   * on another backend is invisible to the client) and relay to the first that accepts.
   */
  async #tryBackends(
    open: OpenConnection,
    startedAt: number,
  ): Promise<"relayed" | ProxyErrorKind> {
    const observer = this.#observer;
    const port = this.port;
    // `tried` exists only once a backend was passed over.
    let tried: Backend[] | undefined;
    let dialFailed = false;
    for (let backend = this.pool.next(); backend; backend = this.#untried(tried!)) {
      if (!backend.acquire()) { // drained without leaving the rotation
        (tried ??= []).push(backend);
        continue;
      }
      const dialStart = observer ? performance.now() : 0;
      let upstream: TcpConn;
      try {
        upstream = await this.#runtime.connectTcp(
          backend.host,
          backend.port,
          this.#connectTimeoutMs,
        );
      } catch (error) {
        backend.release();
        dialFailed = true;
        backend.tally?.dialFailed();
        observer?.backendConnected(port, (performance.now() - dialStart) / 1000);
        this.#refusals.refused(backend.address);
        this.#log.debug("Failed to connect to backend", {
          proxy_port: port,
          backend: backend.address,
          code: errorCode((error as Error).cause) ?? errorCode(error),
          error,
        });
        (tried ??= []).push(backend);
        continue;
      }
      if (open.cut) { // shut down while this dial was under way
        backend.release();
        upstream.close();
        return "no_backend";
      }
      observer?.backendConnected(port, (performance.now() - dialStart) / 1000);
      const chosen = backend;
      open.relay = this.#runtime.relay(open.client, upstream, {
        onEnd: (result) => {
          chosen.release();
          chosen.tally?.ended(result);
          if (result.error !== undefined) {
            this.#log.debug("Proxied connection ended by an error", {
              proxy_port: port,
              backend: chosen.address,
              error: result.error,
            });
          }
          this.#finished(open, startedAt, result.clientToBackend, result.backendToClient);
        },
      });
      return "relayed";
    }
    return dialFailed ? "connect_failed" : "no_backend";
  }

  /**
   * The next backend in rotation that this client has not tried yet. One full turn of the
   * cursor sees every backend, whatever other connections did with the cursor meanwhile.
   */
  #untried(tried: readonly Backend[]): Backend | undefined {
    for (let turn = this.pool.size; turn > 0; turn--) {
      const backend = this.pool.next();
      if (backend && !tried.includes(backend)) return backend;
    }
    return undefined;
  }

  #finished(open: OpenConnection, startedAt: number, bytesIn: number, bytesOut: number): void {
    if (!this.#open.delete(open)) return;
    this.#limit.release();
    const observer = this.#observer;
    if (observer) {
      observer.connectionClosed(
        this.port,
        (performance.now() - startedAt) / 1000,
        bytesIn,
        bytesOut,
      );
    }
    if (this.#open.size === 0 && this.#idleWaiters.length > 0) {
      for (const wake of [...this.#idleWaiters]) wake();
    }
  }
}
