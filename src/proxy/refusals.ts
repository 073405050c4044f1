/**
 * The proxy's account of refused backend dials and of the clients it held meanwhile: one
 * warning per window with the counts, never one line per connection (an engine restart makes
 * every backend refuse for a moment, which would otherwise log thousands of lines).
 *
 * @module
 */
import type { Logger } from "../log.ts";

/** Distinct backend addresses named in one warning, at most. */
const ADDRESSES_NAMED = 8;
/** Shortest period between two warnings (when the retry window is shorter or off). */
const MIN_PERIOD_MS = 1_000;

/**
 * Counts refusals and held clients of one proxy port, and logs them once per window: when
 * the window ends with no client held, or else as soon as the last held client is let go (at
 * the latest one more window later).
 *
 * @example
 * ```ts
 * const report = new RefusalReport(logger, () => 8080, 2_000);
 * report.refused("127.0.0.1:32768");
 * report.hold();          // a client waits for a backend
 * report.release(true);   // ... and was served
 * report.close();         // logs what is still counted
 * ```
 */
export class RefusalReport {
  #log: Logger;
  #port: () => number;
  #periodMs: number;
  #windowMs: number;
  #heldNow = 0;
  #refused = 0;
  #addresses = new Set<string>();
  #held = 0;
  #served = 0;
  #failed = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #due = false;

  /** @param log where the warning goes @param port the proxy port @param windowMs retry window */
  constructor(log: Logger, port: () => number, windowMs: number) {
    this.#log = log;
    this.#port = port;
    this.#windowMs = windowMs;
    this.#periodMs = Math.max(windowMs, MIN_PERIOD_MS);
  }

  /** A dial to `address` failed. */
  refused(address: string): void {
    this.#refused++;
    if (this.#addresses.size < ADDRESSES_NAMED) this.#addresses.add(address);
    this.#arm();
  }

  /** A client found no backend that accepts and now waits (within the retry window). */
  hold(): void {
    this.#heldNow++;
    this.#held++;
    this.#arm();
  }

  /** A held client was served (`true`) or closed after the window ran out (`false`). */
  release(served: boolean): void {
    this.#heldNow--;
    if (served) this.#served++;
    else this.#failed++;
    if (this.#due && this.#heldNow === 0) this.#flush();
  }

  /** A client was closed without being held (no retry window): counted as failed. */
  failedAtOnce(): void {
    this.#failed++;
    this.#arm();
  }

  /** Log what is counted and stop the timer (the proxy closes). */
  close(): void {
    if (this.#refused + this.#held + this.#failed > 0) this.#flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer ??= setTimeout(this.#windowOver, this.#periodMs);
  }

  #windowOver = (): void => {
    this.#timer = undefined;
    if (this.#heldNow === 0 || this.#due) return this.#flush();
    // Clients still wait: their outcome completes this window's line.
    this.#due = true;
    this.#timer = setTimeout(this.#windowOver, this.#periodMs);
  };

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
    this.#log.warn("Backend connections failed", {
      proxy_port: this.#port(),
      refused: this.#refused,
      backends: [...this.#addresses].join(","),
      clients_held: this.#held,
      served_after_retry: this.#served,
      clients_failed: this.#failed,
      retry_window_ms: this.#windowMs,
    });
    this.#refused =
      this.#held =
      this.#served =
      this.#failed =
        0;
    this.#addresses.clear();
  }
}
