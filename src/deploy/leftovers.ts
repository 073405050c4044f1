/**
 * Containers that could not be removed because the engine was away (restarting): removed as
 * soon as it answers again, not only at the next rollout or at shutdown.
 *
 * @module
 */
import type { Engine } from "../engine/types.ts";
import { EngineUnreachableError } from "../engine/errors.ts";
import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import type { Clock } from "./clock.ts";

/** Pause between two attempts while the engine is away. */
export const LEFTOVER_RETRY_MS = 1_000;

/** A container to remove. */
interface Leftover {
  id: string;
  name: string;
}

/**
 * The containers left behind during an engine outage, and the loop that removes them.
 *
 * @example
 * ```ts
 * const leftovers = new Leftovers({ engine, logger, clock });
 * void leftovers.loop(signal);             // runs until signal aborts
 * leftovers.add({ id, name });             // a removal failed: the engine was away
 * ```
 */
export class Leftovers {
  #engine: Engine;
  #logger: Logger;
  #clock: Clock;
  #pending = new Map<string, Leftover>();
  #wake: (() => void) | undefined;

  /** @param deps the engine, where removals are logged, the retry pause's clock */
  constructor(deps: { engine: Engine; logger: Logger; clock: Clock }) {
    this.#engine = deps.engine;
    this.#logger = deps.logger;
    this.#clock = deps.clock;
  }

  /** Containers still waiting to be removed. */
  get size(): number {
    return this.#pending.size;
  }

  /** Whether `error` (of a failed removal) means the engine was away, so a retry may work. */
  static retriable(error: unknown): boolean {
    return error instanceof EngineUnreachableError;
  }

  /** Remove `container` once the engine answers again. */
  add(container: Leftover): void {
    this.#pending.set(container.id, { id: container.id, name: container.name });
    this.#wake?.();
  }

  /** Remove leftovers, one attempt per {@link LEFTOVER_RETRY_MS}, until `signal` aborts. */
  async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.#pending.size === 0) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            signal.removeEventListener("abort", wake);
            this.#wake = undefined;
            resolve();
          };
          this.#wake = wake;
          signal.addEventListener("abort", wake, { once: true });
        });
        continue;
      }
      try {
        await this.#clock.sleep(LEFTOVER_RETRY_MS, signal);
      } catch {
        return;
      }
      await this.removeNow(signal);
    }
  }

  /** One attempt at every leftover; those the engine still cannot take stay pending. */
  async removeNow(signal?: AbortSignal): Promise<void> {
    for (const leftover of [...this.#pending.values()]) {
      try {
        await this.#engine.removeContainer(leftover.id, signal);
      } catch (error) {
        if (Leftovers.retriable(error) && !signal?.aborted) continue;
        this.#pending.delete(leftover.id);
        this.#logger.error("Failed to remove container left behind", {
          container: leftover.name,
          error: errorMessage(error),
        });
        continue;
      }
      this.#pending.delete(leftover.id);
      this.#logger.info("Removed container left behind while the engine was away", {
        container: leftover.name,
      });
    }
  }
}
