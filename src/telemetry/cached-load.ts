/**
 * One slow observation shared by every reader that asks within a time window: Prometheus
 * scrapes and OTLP exports that arrive together cost one engine round trip, and a hanging
 * engine costs at most the timeout.
 *
 * @module
 */

/** What one load produced: a value, or the error that ended it. */
export type LoadOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The load did not finish within its bound. */
export class LoadTimeoutError extends Error {
  /** @param what what was being loaded @param timeoutMs the bound that passed */
  constructor(what: string, timeoutMs: number) {
    super(
      `${what} did not answer within ${timeoutMs} ms (is the container engine overloaded or hung?)`,
    );
    this.name = "LoadTimeoutError";
  }
}

/** Options of {@link CachedLoad}. */
export interface CachedLoadOptions<T> {
  /** What is loaded, for the timeout message. */
  what: string;
  /** The load; must stop when `signal` aborts. */
  load(signal: AbortSignal): Promise<T>;
  /** An outcome (success or failure) is reused for this long after its load started. */
  ttlMs: number;
  /** A load is abandoned (and its signal aborted) after this long. */
  timeoutMs: number;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
}

/**
 * A load whose outcome is shared for `ttlMs`; concurrent callers share the load in flight.
 *
 * @example
 * ```ts
 * const containers = new CachedLoad({ what: "engine", load: (s) => list(s), ttlMs: 5000, timeoutMs: 2000 });
 * const outcome = await containers.get();
 * ```
 */
export class CachedLoad<T> {
  #options: CachedLoadOptions<T>;
  #now: () => number;
  #entry: { startedAt: number; outcome: Promise<LoadOutcome<T>> } | undefined;

  /** @param options the load, its cache window and its bound */
  constructor(options: CachedLoadOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The current outcome: cached when fresh, else a new bounded load. Never rejects. */
  get(): Promise<LoadOutcome<T>> {
    const now = this.#now();
    if (this.#entry && now - this.#entry.startedAt < this.#options.ttlMs) {
      return this.#entry.outcome;
    }
    const outcome = this.#bounded();
    this.#entry = { startedAt: now, outcome };
    return outcome;
  }

  async #bounded(): Promise<LoadOutcome<T>> {
    const { what, load, timeoutMs } = this.#options;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new LoadTimeoutError(what, timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return { ok: true, value: await Promise.race([load(controller.signal), expired]) };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
    }
  }
}
