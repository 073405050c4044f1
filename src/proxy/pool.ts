/**
 * The set of backends behind one proxy port: round-robin selection, draining, and a count
 * of open connections per backend so a retiring backend can be waited on.
 *
 * @module
 */

/**
 * The connection counts of one watched backend (a canary, `deploy/canary.ts`). Only watched
 * backends carry one: every other connection costs a single property check.
 */
export class BackendTally {
  /** Connections dialled to the backend. */
  attempts = 0;
  /** Dials that failed, and connections the backend closed or reset before sending a byte. */
  failures = 0;
}

/** One upstream (a container's published `127.0.0.1:port`). */
export class Backend {
  /** Host to dial, normally `127.0.0.1`. */
  readonly host: string;
  /** Port to dial (the container's random host port). */
  readonly port: number;
  /** Who this backend is, for logs and the admin API (e.g. a container name). */
  readonly label: string;
  /** Connections currently open through this backend. */
  active = 0;
  /** Out of rotation: gets no new connections, open ones may finish. */
  draining = false;
  /** Set while the backend is watched: the proxy counts its connections and failures here. */
  tally: BackendTally | undefined;
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

  /** @internal called by the proxy when a connection through this backend closes. */
  released(): void {
    if (--this.active === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Resolve `true` once no connection is open through this backend, or `false` when
   * `timeoutMs` passes first (or `signal` aborts).
   */
  whenIdle(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        resolve(idle);
      };
      const wake = () => done(true);
      const abort = () => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== wake);
        done(false);
      };
      const timer = setTimeout(abort, timeoutMs);
      signal?.addEventListener("abort", abort, { once: true });
      this.#idleWaiters.push(wake);
    });
  }
}

/** Called when the number of backends in rotation changes (telemetry, logs). */
export type PoolChangeListener = (inRotation: number, delta: number) => void;

/**
 * The backends of one proxy port.
 *
 * @example
 * ```ts
 * const pool = new BackendPool();
 * const b = pool.add(new Backend("127.0.0.1", 32768, "app-1700000000-0"));
 * pool.next(); // b
 * pool.remove(b); // out of rotation; its open connections go on
 * await b.whenIdle(30_000); // wait (drain) until they finished
 * ```
 */
export class BackendPool {
  #rotation: Backend[] = [];
  #cursor = 0;
  #onChange: PoolChangeListener | undefined;

  /** @param onChange told about every change of the rotation's size */
  constructor(onChange?: PoolChangeListener) {
    this.#onChange = onChange;
  }

  /** Backends in rotation, in order. */
  get backends(): readonly Backend[] {
    return this.#rotation;
  }

  /** Number of backends in rotation. */
  get size(): number {
    return this.#rotation.length;
  }

  /** Put `backend` into rotation (at the end). Returns it. */
  add(backend: Backend): Backend {
    backend.draining = false;
    this.#rotation.push(backend);
    this.#onChange?.(this.#rotation.length, 1);
    return backend;
  }

  /** Take `backend` out of rotation at once; open connections are not touched. */
  remove(backend: Backend): boolean {
    const i = this.#rotation.indexOf(backend);
    if (i < 0) return false;
    this.#rotation.splice(i, 1);
    backend.draining = true;
    this.#onChange?.(this.#rotation.length, -1);
    return true;
  }

  /** The next backend in round-robin order, or `undefined` when none is in rotation. */
  next(): Backend | undefined {
    const n = this.#rotation.length;
    if (n === 0) return undefined;
    if (this.#cursor >= n) this.#cursor = 0;
    return this.#rotation[this.#cursor++];
  }
}
