/**
 * The step runner of shutdown, shared by `dewy container` and `dewy service`.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";

/** One shutdown step: what it does (for the log line) and the work. */
export type ShutdownStep = readonly [what: string, run: () => Promise<unknown> | undefined];

/** Run `steps` in order; a failed step is logged and the next one still runs. */
export async function runShutdownSteps(
  steps: readonly ShutdownStep[],
  logger: Logger,
): Promise<void> {
  for (const [what, run] of steps) {
    try {
      await run();
    } catch (error) {
      logger.error(`Shutdown: cannot ${what}`, { error: errorMessage(error) });
    }
  }
}
