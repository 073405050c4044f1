/**
 * When checks run: one at a time, a tick every `--interval` (skipped while a check runs) and
 * on demand (`POST /api/deploy`), plus the queue that keeps rollouts and heals from ever
 * overlapping.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import type { Clock } from "./clock.ts";
import type { DeployTrigger } from "../control/types.ts";
import type { CheckResult } from "./types.ts";

/**
 * Runs async tasks strictly one after another.
 *
 * @example
 * ```ts
 * const queue = new SerialQueue();
 * void queue.run(() => deploy());
 * await queue.run(() => heal()); // starts after deploy() settled
 * ```
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Run `task` after every task queued before it; resolves or rejects with its outcome. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Resolves when every task queued so far (and any queued meanwhile) has settled. */
  async settled(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.#tail;
      await seen;
    } while (seen !== this.#tail);
  }
}

/** Options of {@link CheckScheduler}. */
export interface CheckSchedulerOptions {
  /**
   * One check, told what started it (`poll`: a tick, `api`: {@link CheckScheduler.checkNow});
   * should not reject (a rejection is logged as a bug and reported as failed).
   */
  check(trigger: DeployTrigger): Promise<CheckResult>;
  /** Gap between ticks. */
  intervalMs: number;
  /** Time source of the ticks. */
  clock: Clock;
  /** Receives skipped ticks and unexpected failures. */
  logger: Logger;
  /** Once aborted, no further check starts. */
  signal: AbortSignal;
}

/** Schedules checks: never two at once, no pile-up of ticks. */
export class CheckScheduler {
  #options: CheckSchedulerOptions;
  #current: Promise<CheckResult> | null = null;
  #followUp: Promise<CheckResult> | null = null;
  #nextTickAt: number | undefined;

  /** @param options the check, its queue, the interval and the stop signal */
  constructor(options: CheckSchedulerOptions) {
    this.#options = options;
  }

  /** Whether a check is running (or queued to run) right now. */
  get busy(): boolean {
    return this.#current !== null;
  }

  /** When the next tick runs (epoch ms); `undefined` before the loop started or after it ended. */
  get nextTickAt(): number | undefined {
    return this.#nextTickAt;
  }

  /** Resolves when no check is running (a follow-up included). */
  async idle(): Promise<void> {
    while (this.#current) await this.#current;
  }

  /**
   * Run a check now. When one is running, one more runs right after it (callers arriving
   * meanwhile share that one).
   */
  checkNow(): Promise<CheckResult> {
    if (this.#options.signal.aborted) return Promise.resolve({ outcome: "stopped" });
    if (!this.#current) return this.#start("api");
    this.#followUp ??= this.#current.then(() => {
      this.#followUp = null;
      return this.#options.signal.aborted ? { outcome: "stopped" as const } : this.#start("api");
    });
    return this.#followUp;
  }

  /** Tick now and then every interval until the signal aborts; a tick during a check is skipped. */
  async loop(): Promise<void> {
    const { clock, intervalMs, signal, logger } = this.#options;
    while (!signal.aborted) {
      if (this.#current) logger.debug("Check skipped: the previous one is still running");
      else void this.#start("poll");
      this.#nextTickAt = clock.now() + intervalMs;
      try {
        await clock.sleep(intervalMs, signal);
      } catch {
        this.#nextTickAt = undefined;
        return;
      }
    }
  }

  #start(trigger: DeployTrigger): Promise<CheckResult> {
    const { logger } = this.#options;
    const current = this.#options.check(trigger)
      .catch((error): CheckResult => {
        logger.error("Unexpected deploy manager failure", { error: errorMessage(error) });
        return { outcome: "failed", error };
      })
      .finally(() => {
        if (this.#current === current) this.#current = null;
      });
    this.#current = current;
    return current;
  }
}
