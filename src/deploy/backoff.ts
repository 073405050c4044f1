/**
 * Memory of versions that failed to deploy, so a bad version is retried with exponential
 * back-off instead of on every tick.
 *
 * @module
 */

/** First back-off after a failed deploy of a version; doubles per failure. */
const DEPLOY_RETRY_BASE_MS = 30_000;
/** Ceiling of the failed-version back-off. */
const DEPLOY_RETRY_MAX_MS = 30 * 60_000;

interface Failure {
  count: number;
  retryAt: number;
}

/** Options of {@link FailureBackoff}. */
export interface FailureBackoffOptions {
  /** First wait after a failure (default {@link DEPLOY_RETRY_BASE_MS}). */
  baseMs?: number;
  /** Ceiling of the wait (default {@link DEPLOY_RETRY_MAX_MS}). */
  maxMs?: number;
}

/**
 * Failed digests and when each may be tried again: `base`, `2×base`, … up to `max`.
 *
 * @example
 * ```ts
 * const backoff = new FailureBackoff();
 * backoff.failed("sha256:abc", now);   // retry at now + 30 s
 * backoff.retryAt("sha256:abc", now);  // a number while blocked, undefined when free
 * ```
 */
export class FailureBackoff {
  #failures = new Map<string, Failure>();
  #baseMs: number;
  #maxMs: number;

  /** @param options base and ceiling of the wait */
  constructor(options: FailureBackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? DEPLOY_RETRY_BASE_MS;
    this.#maxMs = options.maxMs ?? DEPLOY_RETRY_MAX_MS;
  }

  /** Record a failure of `key` at `now`; returns when it may be tried again. */
  failed(key: string, now: number): number {
    const count = (this.#failures.get(key)?.count ?? 0) + 1;
    const wait = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(count - 1, 30));
    const retryAt = now + wait;
    this.#failures.set(key, { count, retryAt });
    return retryAt;
  }

  /** Forget `key` (it deployed). */
  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  /** When `key` may be tried again, or `undefined` when it may be tried `now`. */
  retryAt(key: string, now: number): number | undefined {
    const failure = this.#failures.get(key);
    return failure && failure.retryAt > now ? failure.retryAt : undefined;
  }
}
