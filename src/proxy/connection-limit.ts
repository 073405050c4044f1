/**
 * The connections all proxy ports may hold at once (`--max-connections`), one count shared
 * by every {@link TcpProxy}: a client beyond it is closed at once instead of using the
 * descriptors dewy needs for its backends, the engine and the admin API.
 *
 * @module
 */

/** A shared count of open client connections with an upper bound. */
export class ConnectionLimit {
  /** The most connections held at once. */
  readonly max: number;
  #open = 0;

  /** @param max the most connections held at once (at least 1) */
  constructor(max: number) {
    this.max = max;
  }

  /** Connections held now. */
  get open(): number {
    return this.#open;
  }

  /** Take a place for one connection; `false` when all are taken. */
  tryAcquire(): boolean {
    if (this.#open >= this.max) return false;
    this.#open++;
    return true;
  }

  /** Give back the place of a connection that ended. */
  release(): void {
    this.#open--;
  }
}
