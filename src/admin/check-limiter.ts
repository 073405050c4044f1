/**
 * Manual checks (`POST /api/deploy`) at most once per interval, so that callers cannot push
 * the registry into 429s: a request within the interval after a check started joins the one
 * check that runs when the interval is over.
 *
 * @module
 */
import type { Clock } from "../deploy/clock.ts";
import type { CheckResult } from "../deploy/types.ts";

/** Least time between two checks asked for on `POST /api/deploy`; requests within it share one. */
export const ADMIN_CHECK_INTERVAL_MS = 5_000;

/** One manual check as a request sees it. */
export interface ManualCheck {
  /** Settles with the check's outcome. */
  check: Promise<CheckResult>;
  /** When it starts (epoch ms); later than now for a deferred check. */
  startsAt: number;
  /** Whether an earlier request already asked for this check. */
  joined: boolean;
}

/** Starts `checkNow` at most once per `intervalMs` of `clock`, coalescing the rest. */
export class CheckLimiter {
  readonly #checkNow: () => Promise<CheckResult>;
  readonly #clock: Clock;
  /** Least time between two started checks, in milliseconds. */
  readonly intervalMs: number;
  #lastStart = -Infinity;
  #deferred: ManualCheck | undefined;

  /**
   * @param checkNow runs one registry check
   * @param clock time and sleep
   * @param intervalMs least time between two started checks (default `ADMIN_CHECK_INTERVAL_MS`)
   */
  constructor(
    checkNow: () => Promise<CheckResult>,
    clock: Clock,
    intervalMs = ADMIN_CHECK_INTERVAL_MS,
  ) {
    this.#checkNow = checkNow;
    this.#clock = clock;
    this.intervalMs = intervalMs;
  }

  /** A check for this request: started now, or the deferred one it joins. */
  request(): ManualCheck {
    if (this.#deferred) return { ...this.#deferred, joined: true };
    const now = this.#clock.now();
    const startsAt = this.#lastStart + this.intervalMs;
    if (startsAt <= now) {
      this.#lastStart = now;
      return { check: this.#checkNow(), startsAt: now, joined: false };
    }
    const check = this.#clock.sleep(startsAt - now).then(() => {
      this.#deferred = undefined;
      this.#lastStart = this.#clock.now();
      return this.#checkNow();
    });
    this.#deferred = { check, startsAt, joined: false };
    return this.#deferred;
  }
}
