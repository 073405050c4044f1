/**
 * The container part of shutdown: stop and remove every managed container of the app, a few
 * at a time.
 *
 * @module
 */
import { STOP_TIMEOUT_S } from "./replica.ts";
import { errorMessage } from "../errors.ts";
import { appFilter, LABEL_APP } from "./labels.ts";
import { type DeployContext, removeContainer } from "./replica.ts";

/** Managed containers stopped at the same time at shutdown. */
const SHUTDOWN_STOP_CONCURRENCY = 4;

/** What {@link removeAllManaged} did. */
export interface Removal {
  /** Containers stopped and removed. */
  removed: number;
  /** Containers that could not be removed; `undefined` when they could not even be listed. */
  left: number | undefined;
}

/**
 * Stop ({@link STOP_TIMEOUT_S}) and remove every managed container of the app, running or not,
 * {@link SHUTDOWN_STOP_CONCURRENCY} at a time. Failures are logged with what to run by hand.
 */
export async function removeAllManaged(
  ctx: Pick<DeployContext, "engine" | "logger" | "config">,
): Promise<Removal> {
  let containers;
  try {
    containers = await ctx.engine.listContainers(appFilter(ctx.config.app), { all: true });
  } catch (error) {
    const { engine: { kind: runtime }, app } = ctx.config;
    ctx.logger.error("Cannot list managed containers to stop them", {
      error: errorMessage(error),
      hint:
        `remove them by hand: ${runtime} rm -f $(${runtime} ps -aq --filter label=${LABEL_APP}=${app})`,
    });
    return { removed: 0, left: undefined };
  }
  let removed = 0;
  let next = 0;
  const worker = async () => {
    while (next < containers.length) {
      const container = containers[next++];
      ctx.logger.info("Stopping container", { container: container.name });
      if (await removeContainer(ctx, container, STOP_TIMEOUT_S)) removed++;
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(SHUTDOWN_STOP_CONCURRENCY, containers.length) }, worker),
  );
  return { removed, left: containers.length - removed };
}
