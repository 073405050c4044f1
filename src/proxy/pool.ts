/**
 * The set of backends behind one proxy port: it owns the rotation (which backends get new
 * connections, in round-robin order); each {@link Backend} owns its connection count.
 *
 * @module
 */
import type { Backend } from "./backend.ts";

/** Called when the number of backends in rotation changes (telemetry, logs). */
export type PoolChangeListener = (inRotation: number, delta: number) => void;

/**
 * The backends of one proxy port.
 *
 * @example
 * ```ts
 * const pool = new BackendPool();
 * const b = pool.add(new Backend("127.0.0.1", 32768, "app-1700000000-0"));
 * const b2 = pool.add(new Backend("127.0.0.1", 32769, "app-1700000000-1"));
 * pool.next(); // b
 * pool.remove(b); // out of rotation; its open connections go on
 * await pool.retire(b2, AbortSignal.timeout(30_000)); // out, and wait until its connections end
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

  /** Put `backend` into rotation (at the end). Returns it. A drained backend cannot rejoin. */
  add(backend: Backend): Backend {
    if (backend.draining) {
      throw new Error(`Backend ${backend.label} was drained; add a new Backend for its address`);
    }
    this.#rotation.push(backend);
    this.#onChange?.(this.#rotation.length, 1);
    return backend;
  }

  /** Take `backend` out of rotation at once; open connections are not touched. */
  remove(backend: Backend): boolean {
    const i = this.#rotation.indexOf(backend);
    if (i < 0) return false;
    this.#rotation.splice(i, 1);
    this.#onChange?.(this.#rotation.length, -1);
    return true;
  }

  /**
   * Take `backend` out of rotation and drain it: resolves `true` once its open connections
   * have finished, `false` when `signal` aborts first (see {@link Backend.drain}).
   */
  retire(backend: Backend, signal?: AbortSignal): Promise<boolean> {
    this.remove(backend);
    return backend.drain(signal);
  }

  /** The next backend in round-robin order, or `undefined` when none is in rotation. */
  next(): Backend | undefined {
    const n = this.#rotation.length;
    if (n === 0) return undefined;
    if (this.#cursor >= n) this.#cursor = 0;
    return this.#rotation[this.#cursor++];
  }
}
