/**
 * The engine's container events for the app's managed containers, kept subscribed: a broken
 * stream (engine restarted) is re-opened after {@link ENGINE_EVENTS_RETRY_MS}.
 *
 * @module
 */
import type { Engine } from "../engine/types.ts";
import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import type { Clock } from "./clock.ts";
import { appFilter } from "./labels.ts";

/** Pause before the deploy manager re-subscribes to engine events after the stream broke. */
const ENGINE_EVENTS_RETRY_MS = 5_000;

/** Engine actions after which a container no longer serves. */
const GONE_ACTIONS = new Set(["die", "destroy"]);

/** Options of {@link watchContainerExits}. */
export interface WatchContainerExitsOptions {
  /** The engine to subscribe to. */
  engine: Engine;
  /** App whose managed containers are watched. */
  app: string;
  /** Called for every container of the app that died or was removed. */
  onGone(id: string, action: string): void;
  /** Time source for the reconnect pause. */
  clock: Clock;
  /** Receives stream failures. */
  logger: Logger;
  /** Ends the watch. */
  signal: AbortSignal;
}

/** Watch until `signal` aborts; never rejects. */
export async function watchContainerExits(options: WatchContainerExitsOptions): Promise<void> {
  const { signal, logger } = options;
  let failures = 0;
  while (!signal.aborted) {
    try {
      await options.engine.events(appFilter(options.app), (event) => {
        failures = 0;
        if (GONE_ACTIONS.has(event.action)) options.onGone(event.id, event.action);
      }, signal);
    } catch (error) {
      if (signal.aborted) return;
      const log = failures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, "Engine event stream failed, re-subscribing", {
        error: errorMessage(error),
      });
    }
    try {
      await options.clock.sleep(ENGINE_EVENTS_RETRY_MS, signal);
    } catch {
      return;
    }
  }
}
