/**
 * The deploy policy: whether a check may ask the registry now (its rate-limit pause), whether
 * a candidate version may be deployed now (the back-off of failed versions), and what a check
 * or deploy outcome changes (the failure streak, the back-off). It decides and records; the
 * manager acts.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Notifier } from "../notify/types.ts";
import { RegistryRateLimitedError } from "../registry/errors.ts";
import type { Clock } from "./clock.ts";
import { FailureBackoff, type FailureBackoffOptions } from "./backoff.ts";
import { FailureStreak } from "./streak.ts";
import type { DeployTarget } from "./replica.ts";
import type { CheckResult } from "./types.ts";

/** Longest pause of the checks a registry's `Retry-After` can ask for (a larger one is capped). */
export const REGISTRY_MAX_PAUSE_MS = 60 * 60_000;

/** Options of {@link DeployPolicy}. */
export interface DeployPolicyOptions {
  /** Where postponements and the failure streak are logged. */
  logger: Logger;
  /** Time source of the pause and the back-off. */
  clock: Clock;
  /** Receives every check failure (its error limiting decides what is sent). */
  notifier?: Notifier;
  /** Back-off of failed versions (default: DEPLOY_RETRY_BASE_MS doubling to DEPLOY_RETRY_MAX_MS). */
  backoff?: FailureBackoffOptions;
  /** How long a 429 without `Retry-After` pauses the checks (the poll interval). */
  defaultPauseMs: number;
}

/**
 * Decides when checks and deploys may run, and remembers what failed.
 *
 * @example
 * ```ts
 * const policy = new DeployPolicy({ logger, clock, defaultPauseMs: 300_000 });
 * policy.decide(candidate);            // undefined: deploy it; else the check's result
 * policy.deployFailed(candidate);      // backed off: retried from the returned time on
 * ```
 */
export class DeployPolicy {
  #logger: Logger;
  #clock: Clock;
  #backoff: FailureBackoff;
  #streak: FailureStreak;
  #defaultPauseMs: number;
  #pausedUntil = 0;
  /** The back-off time of the running version last reported while replicas are missing. */
  #postponedHealLogged = 0;

  /** @param options logger, clock, notifier, back-off and the default pause */
  constructor(options: DeployPolicyOptions) {
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#backoff = new FailureBackoff(options.backoff);
    this.#streak = new FailureStreak(options.logger, options.notifier);
    this.#defaultPauseMs = options.defaultPauseMs;
  }

  /** Until when the registry's rate limit pauses the checks; `undefined` when they may run. */
  pausedUntil(): number | undefined {
    return this.#pausedUntil > this.#clock.now() ? this.#pausedUntil : undefined;
  }

  /**
   * Whether the newest version the registry offers may be deployed now: `undefined` when it
   * may, else the result that ends the check (the version failed recently and is backed off).
   */
  decide(candidate: DeployTarget): CheckResult | undefined {
    const retryAt = this.#backoff.retryAt(candidate.digest, this.#clock.now());
    if (retryAt === undefined) return undefined;
    this.#logger.debug("Deploy of a failed version postponed", {
      version: candidate.version,
      retry_at: new Date(retryAt).toISOString(),
    });
    this.answered(); // the registry answered; the failed version is not resolved
    return { outcome: "backoff", version: candidate.version, retryAt };
  }

  /**
   * The registry answered, but its newest version is not deployed (backed off, or refused
   * for its signature): the streak of failed checks ends, the notifier's error count stays.
   */
  answered(): void {
    this.#streak.answered();
  }

  /**
   * Whether missing replicas of the running version may be replaced now (it is not backed
   * off). With `replicas`, a postponement is logged once per back-off while some are missing.
   */
  mayHeal(running: DeployTarget, replicas?: { serving: number; wanted: number }): boolean {
    const retryAt = this.#backoff.retryAt(running.digest, this.#clock.now());
    if (retryAt === undefined) return true;
    if (replicas && replicas.serving < replicas.wanted && retryAt !== this.#postponedHealLogged) {
      this.#postponedHealLogged = retryAt;
      this.#logger.warn("Replacing missing replicas postponed after a failed attempt", {
        version: running.version,
        serving: replicas.serving,
        retry_at: new Date(retryAt).toISOString(),
      });
    }
    return false;
  }

  /**
   * A registry or engine failure ended the check: reported once per streak (`serving` says
   * whether the running version keeps serving); a 429 pauses the checks.
   */
  checkFailed(error: unknown, serving: boolean): CheckResult {
    this.#streak.failed(error, serving);
    if (error instanceof RegistryRateLimitedError) {
      const asked = error.retryAfterMs ?? this.#defaultPauseMs;
      this.#pausedUntil = this.#clock.now() + Math.min(asked, REGISTRY_MAX_PAUSE_MS);
      this.#logger.info("Checks paused by the registry's rate limit", {
        until: new Date(this.#pausedUntil).toISOString(),
      });
      return { outcome: "rate-limited", error, retryAt: this.#pausedUntil };
    }
    return { outcome: "failed", error };
  }

  /** A check ended well (up to date, healed or deployed): its failure streak ends. */
  checkSucceeded(): void {
    this.#streak.succeeded();
  }

  /** A deploy or heal of `target` succeeded: it is no longer backed off. */
  deploySucceeded(target: DeployTarget): void {
    this.#backoff.succeeded(target.digest);
  }

  /** A deploy or heal of `target` failed: back it off; returns when it may be tried again. */
  deployFailed(target: DeployTarget): number {
    return this.#backoff.failed(target.digest, this.#clock.now());
  }
}
