/**
 * Time as the deploy manager sees it: the current time and a cancellable sleep. The real
 * clock uses `Date.now` and timers; {@link ManualClock} lets tests move time by hand so back-off,
 * health timing and the poll interval are testable without waiting.
 *
 * @module
 */

/** The current time and a way to wait. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolve after `ms`; reject with `signal.reason` when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const abort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", abort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", abort, { once: true });
    });
  },
};

interface Sleeper {
  at: number;
  wake(): void;
}

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0);
 * const done = clock.sleep(1_000);
 * await clock.advance(1_000); // `done` resolves
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  /** @param start initial time in epoch milliseconds */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /** The current (manual) time. */
  now(): number {
    return this.#now;
  }

  /** How many sleeps are waiting for {@link advance}. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /** A sleep that resolves once {@link advance} has moved time past `now() + ms`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener("abort", abort);
          resolve();
        },
      };
      const abort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /**
   * Move time forward by `ms`, waking due sleepers in deadline order; between wake-ups the
   * woken code gets a real macrotask turn to run (and to start new sleeps).
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#sleepers
        .filter((s) => s.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      this.#now = Math.max(this.#now, due.at);
      due.wake();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    this.#now = target;
  }
}

/** A signal that aborts after a time on some clock; see {@link timeLimit}. */
export interface TimeLimit {
  /** Aborts once the time is up or the outer signal aborted. */
  readonly signal: AbortSignal;
  /** Stop the timer (call when the work finished first). */
  clear(): void;
}

/**
 * A signal that aborts after `ms` on `clock`, or as soon as `signal` aborts: a wait bounded
 * by a time that tests can move by hand.
 */
export function timeLimit(clock: Clock, ms: number, signal?: AbortSignal): TimeLimit {
  const limit = new AbortController();
  const timer = new AbortController();
  const stop = () => limit.abort(signal?.reason);
  if (signal?.aborted) stop();
  else signal?.addEventListener("abort", stop, { once: true });
  clock.sleep(ms, timer.signal).then(() => limit.abort(new Error(`${ms} ms passed`)), () => {});
  return {
    signal: limit.signal,
    clear() {
      timer.abort();
      signal?.removeEventListener("abort", stop);
    },
  };
}
