/**
 * The signals of `dewy container` and `dewy service`: SIGINT, SIGTERM and SIGQUIT stop it; SIGHUP is ignored;
 * SIGUSR1 sends the restarted message.
 *
 * @module
 */
import type { Runtime, SignalName } from "../runtime/types.ts";
import type { StopSignal } from "../notify/mod.ts";

const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGQUIT"];

/**
 * Resolve with the first of SIGINT/SIGTERM/SIGQUIT; SIGHUP (ignored, as Go Dewy does) and
 * SIGUSR1 go to their handlers.
 */
export function waitForStopSignal(
  runtime: Runtime,
  handlers: { SIGHUP: () => void; SIGUSR1: () => void },
): Promise<StopSignal> {
  return new Promise((resolve) => {
    const listen = (name: SignalName, handler: () => void) => {
      try {
        runtime.onSignal(name, handler);
      } catch { /* signal not supported on this platform */ }
    };
    // Handlers stay installed: a second signal during shutdown must not kill dewy before it
    // has removed its containers.
    for (const name of STOP_SIGNALS) listen(name, () => resolve(name));
    listen("SIGHUP", handlers.SIGHUP);
    listen("SIGUSR1", handlers.SIGUSR1);
  });
}
