/**
 * Log lines of an event that can happen thousands of times a second (refused clients, failed
 * dials while descriptors run out): at most one line per second per message and error code,
 * each with the `count` of events it stands for, the last ones flushed a second later.
 *
 * @module
 */
import type { LogAttrs, Logger } from "../log.ts";

/** Least time between two lines of the same message and code. */
export const THROTTLE_INTERVAL_MS = 1_000;

interface Pending {
  /** When the last line of this key was written. */
  loggedAt: number;
  /** Events since that line. */
  count: number;
  /** Attributes of the latest of them. */
  attrs: LogAttrs;
  /** Flush of the events after the last line. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Writes `warn` lines of repeated events through `logger`, at most one per key per interval. */
export class ThrottledLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #keys = new Map<string, Pending>();

  /** @param logger where lines go @param intervalMs least time between two lines of a key */
  constructor(logger: Logger, intervalMs = THROTTLE_INTERVAL_MS) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** One event of `msg` (keyed with `attrs.code`): logged now, or counted into a later line. */
  warn(msg: string, attrs: LogAttrs): void {
    const key = `${msg}\u0000${attrs.code ?? ""}`;
    const now = performance.now();
    const pending = this.#keys.get(key);
    if (!pending || now - pending.loggedAt >= this.#intervalMs) {
      if (pending?.count) this.#write(msg, pending); // the tail of the previous second
      this.#logger.warn(msg, { ...attrs, count: 1 });
      clearTimeout(pending?.timer);
      this.#keys.set(key, { loggedAt: now, count: 0, attrs, timer: undefined });
      return;
    }
    pending.count++;
    pending.attrs = attrs;
    pending.timer ??= setTimeout(() => {
      pending.timer = undefined;
      if (pending.count > 0) this.#write(msg, pending);
      pending.loggedAt = performance.now();
    }, this.#intervalMs - (now - pending.loggedAt));
  }

  /** Write the events still counted, and stop the timers (at shutdown). */
  flush(): void {
    for (const [key, pending] of this.#keys) {
      clearTimeout(pending.timer);
      if (pending.count > 0) this.#write(key.split("\u0000")[0], pending);
    }
    this.#keys.clear();
  }

  #write(msg: string, pending: Pending): void {
    this.#logger.warn(msg, { ...pending.attrs, count: pending.count });
    pending.count = 0;
  }
}
