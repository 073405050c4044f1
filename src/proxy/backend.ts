/**
 * One upstream of the proxy and the connections open through it. The backend owns its
 * count: a connection is acquired before the dial and released when it ends, and a draining
 * backend takes no new one while it waits for the open ones to finish.
 *
 * @module
 */
import type { RelayResult } from "../runtime/types.ts";

/**
 * The connection counts of one watched backend (a canary, `deploy/canary.ts`). Only watched
 * backends carry one: every other connection costs a single property check.
 */
export class BackendTally {
  #attempts = 0;
  #failures = 0;

  /** Connections dialled to the backend. */
  get attempts(): number {
    return this.#attempts;
  }

  /** Dials that failed, and connections the backend closed or reset before sending a byte. */
  get failures(): number {
    return this.#failures;
  }

  /** A dial to the backend failed. */
  dialFailed(): void {
    this.#attempts++;
    this.#failures++;
  }

  /**
   * A connection ended: a failure when the backend sent no byte although the client had sent
   * its request, or the relay ended by an error (a reset).
   */
  ended(result: RelayResult): void {
    this.#attempts++;
    const silent = result.backendToClient === 0;
    if (silent && (result.clientToBackend > 0 || result.error !== undefined)) this.#failures++;
  }
}

/**
 * One upstream (a container's published `127.0.0.1:port`).
 *
 * @example
 * ```ts
 * const backend = new Backend("127.0.0.1", 32768, "app-1700000000-0");
 * if (backend.acquire()) {
 *   // ... relay a connection, then:
 *   backend.release();
 * }
 * await backend.drain(AbortSignal.timeout(30_000)); // true once no connection is open
 * ```
 */
export class Backend {
  /** Host to dial, normally `127.0.0.1`. */
  readonly host: string;
  /** Port to dial (the container's random host port). */
  readonly port: number;
  /** Who this backend is, for logs and the admin API (e.g. a container name). */
  readonly label: string;
  #tally: BackendTally | undefined;
  #active = 0;
  #draining = false;
  #idleWaiters: Array<() => void> = [];

  /** @param host host to dial @param port port to dial @param label name for logs */
  constructor(host: string, port: number, label = `${host}:${port}`) {
    this.host = host;
    this.port = port;
    this.label = label;
  }

  /** `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Set while the backend is watched: the proxy counts its connections and failures here. */
  get tally(): BackendTally | undefined {
    return this.#tally;
  }

  /** Start counting this backend's connections and failures in a fresh tally (a canary). */
  watch(): BackendTally {
    return (this.#tally = new BackendTally());
  }

  /** Stop counting: the proxy goes back to a single property check per connection. */
  unwatch(): void {
    this.#tally = undefined;
  }

  /** Connections currently open through this backend. */
  get active(): number {
    return this.#active;
  }

  /** Whether {@link drain} was called: no new connection, open ones may finish. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Count a new connection through this backend. Returns false, counting nothing, once it
   * drains; each `true` must be matched by one {@link release}.
   */
  acquire(): boolean {
    if (this.#draining) return false;
    this.#active++;
    return true;
  }

  /** A connection counted by {@link acquire} ended. */
  release(): void {
    if (--this.#active === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Take no new connection from now on, and resolve `true` once none is open, or `false`
   * when `signal` aborts first (the caller's drain time, or shutdown).
   */
  drain(signal?: AbortSignal): Promise<boolean> {
    this.#draining = true;
    if (this.#active === 0) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener("abort", abort);
        resolve(true);
      };
      const abort = () => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== wake);
        resolve(false);
      };
      signal?.addEventListener("abort", abort, { once: true });
      this.#idleWaiters.push(wake);
    });
  }
}
