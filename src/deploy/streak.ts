/**
 * Failure streaks of the check loop: the first failure of a streak is logged at error level,
 * the rest at debug (no log flood while a registry or engine is down); every failure goes to
 * the notifier, whose error limiting decides what is sent; a success ends the streak.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Notifier } from "../notify/types.ts";
import { errorMessage } from "../errors.ts";

/** Counts consecutive check failures and reports them once per streak. */
export class FailureStreak {
  #count = 0;
  #logger: Logger;
  #notifier: Notifier | undefined;

  /** @param logger where the streak is logged @param notifier where each failure is sent */
  constructor(logger: Logger, notifier?: Notifier) {
    this.#logger = logger;
    this.#notifier = notifier;
  }

  /**
   * A check failed with `error`; `serving` says whether replicas are serving (the first log
   * line says the running version keeps serving only then, else that the check is retried).
   */
  failed(error: unknown, serving: boolean): void {
    const attrs = { error: errorMessage(error), failures: ++this.#count };
    if (this.#count === 1) {
      this.#logger.error(
        serving ? "Check failed; the running version keeps serving" : "Check failed; will retry",
        attrs,
      );
    } else this.#logger.debug("Check failed again", attrs);
    void this.#notifier?.sendError(error);
  }

  /** A check succeeded (a skip counts): the streak ends and the notifier's error count resets. */
  succeeded(): void {
    this.answered();
    this.#notifier?.resetErrors();
  }

  /**
   * The check got its answer, but the newest version is still backed off after a failed
   * deploy: the streak of failed checks ends, the notifier's error count does not, so the
   * retries of a version that keeps failing are reported 1, 2, 3, then no more (a reset at
   * every back-off tick would report each retry as the first error, forever).
   */
  answered(): void {
    if (this.#count > 0) {
      this.#logger.info("Check succeeded again", { failures: this.#count });
      this.#count = 0;
    }
  }
}
