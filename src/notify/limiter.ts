/**
 * The error-limiting notifier: priorities, quiet mode, and at most three error notifications
 * per failure streak.
 *
 * @module
 */
import { type HookResult, hookSucceeded } from "../hooks/result.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { errorCountMessage, MAX_NOTIFIED_ERRORS } from "./messages.ts";
import type { Channel, HookKind, Notifier, Priority } from "./types.ts";

/** The error count stops growing here: bounded however long the failures last (as in Go Dewy). */
export const MAX_ERROR_COUNT = 1000;

/** Options of {@link ErrorLimitingNotifier}. */
export interface ErrorLimitingNotifierOptions {
  /** Where messages go. */
  channel: Channel;
  /** Mute {@link Notifier.send} and successful hook results. */
  quiet: boolean;
  /** Receives delivery failures and `Error count reset`. */
  logger: Logger;
}

/**
 * A {@link Notifier} over one {@link Channel}. While errors are unresolved only error
 * notifications are sent, and only the first {@link MAX_NOTIFIED_ERRORS} of them; the third
 * carries a warning that silence follows. {@link resetErrors} ends the streak.
 */
export class ErrorLimitingNotifier implements Notifier {
  #channel: Channel;
  #quiet: boolean;
  #logger: Logger;
  #errors = 0;
  #queue: Promise<void> = Promise.resolve();

  /** @param options channel, quiet mode, logger */
  constructor(options: ErrorLimitingNotifierOptions) {
    this.#channel = options.channel;
    this.#quiet = options.quiet;
    this.#logger = options.logger;
  }

  /** Consecutive failures since the last success (capped at {@link MAX_ERROR_COUNT}). */
  get errorCount(): number {
    return this.#errors;
  }

  /** {@inheritDoc Notifier.send} */
  send(message: string): Promise<void> {
    if (this.#quiet) return Promise.resolve();
    return this.#message(message, "normal");
  }

  /** {@inheritDoc Notifier.sendImportant} */
  sendImportant(message: string): Promise<void> {
    return this.#message(message, "important");
  }

  /** {@inheritDoc Notifier.sendError} */
  sendError(error: unknown): Promise<void> {
    this.#errors = Math.min(this.#errors + 1, MAX_ERROR_COUNT);
    this.#logger.debug("Error count", { count: this.#errors, error: errorMessage(error) });
    if (this.#errors > MAX_NOTIFIED_ERRORS) return Promise.resolve();
    const text = errorCountMessage(this.#errors, errorMessage(error));
    return this.#deliver(() => this.#channel.message(text, "error"));
  }

  /** {@inheritDoc Notifier.resetErrors} */
  resetErrors(): void {
    if (this.#errors === 0) return;
    this.#logger.info("Error count reset", { from: this.#errors, to: 0 });
    this.#errors = 0;
  }

  /** {@inheritDoc Notifier.hookResult} */
  hookResult(kind: HookKind, result: HookResult): Promise<void> {
    if (this.#errors > 0 || (this.#quiet && hookSucceeded(result))) return Promise.resolve();
    return this.#deliver(() => this.#channel.hookResult(kind, result));
  }

  #message(text: string, priority: Priority): Promise<void> {
    if (this.#errors > 0) return Promise.resolve();
    return this.#deliver(() => this.#channel.message(text, priority));
  }

  /** {@inheritDoc Notifier.settled} */
  settled(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, false);
    });
    const done = this.#queue.then(() => true);
    return Promise.race([done, expired]).finally(() => clearTimeout(timer));
  }

  /** Deliveries run one at a time, in call order, so a thread reads in the order things happened. */
  #deliver(delivery: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(delivery).catch((error) => {
      this.#logger.error("Notification delivery failed", {
        notifier: this.#channel.name,
        error: errorMessage(error),
      });
    });
    this.#queue = next;
    return next;
  }
}

/** The notifier used when `--notifier` is not given: accepts everything, sends nothing. */
export const nullNotifier: Notifier = {
  send: () => Promise.resolve(),
  sendImportant: () => Promise.resolve(),
  sendError: () => Promise.resolve(),
  resetErrors: () => {},
  hookResult: () => Promise.resolve(),
  settled: () => Promise.resolve(true),
};
