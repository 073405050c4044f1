/**
 * Housekeeping: remove exited managed containers of the app and prune old images of its
 * repository (after a successful deploy), and remove a replica that died behind dewy's back.
 * Best effort: failures are logged, never thrown.
 *
 * @module
 */
import { ROLLBACK_STOP_TIMEOUT_S } from "./replica.ts";
import { errorMessage } from "../errors.ts";
import { appFilter } from "./labels.ts";
import { type DeployContext, removeContainer, type Replica } from "./replica.ts";

/** Images of the app kept on the engine after a deploy; older ones are pruned. */
const IMAGES_KEPT = 7;

/** Remove every exited (or dead) managed container of the app. Resolves with the count removed. */
export async function reapExited(
  ctx: Pick<DeployContext, "engine" | "logger" | "config">,
): Promise<number> {
  try {
    const all = await ctx.engine.listContainers(appFilter(ctx.config.app), { all: true });
    const exited = all.filter((c) => c.state === "exited" || c.state === "dead");
    for (const c of exited) await ctx.engine.removeContainer(c.id);
    if (exited.length > 0) ctx.logger.info("Reaped exited containers", { count: exited.length });
    return exited.length;
  } catch (error) {
    ctx.logger.warn("Failed to reap exited containers", { error: errorMessage(error) });
    return 0;
  }
}

/**
 * Remove images of `repository` beyond the newest {@link IMAGES_KEPT}, never one that a
 * replica in `serving` runs. Resolves with the count removed.
 */
export async function pruneImages(
  ctx: Pick<DeployContext, "engine" | "logger">,
  repository: string,
  serving: Iterable<Replica>,
  keep = IMAGES_KEPT,
): Promise<number> {
  try {
    const images = await ctx.engine.listImages(repository);
    if (images.length <= keep) return 0;
    const inUse = new Set<string>();
    for (const image of new Set([...serving].map((r) => r.image))) {
      const found = await ctx.engine.inspectImage(image);
      if (found) inUse.add(found.id);
    }
    const old = [...images].sort((a, b) => b.created - a.created).slice(keep).filter((i) =>
      !inUse.has(i.id)
    );
    for (const image of old) await ctx.engine.removeImage(image.id);
    if (old.length > 0) {
      ctx.logger.info("Pruned old images", { repository, count: old.length, kept: keep });
    }
    return old.length;
  } catch (error) {
    ctx.logger.warn("Failed to prune old images", { repository, error: errorMessage(error) });
    return 0;
  }
}

/**
 * A replica died or vanished: log how its container ended (state, exit code, OOM), then remove
 * it so it leaves no clutter and its name can be reused by its replacement.
 */
export async function discardLost(
  ctx: Pick<DeployContext, "engine" | "logger" | "config">,
  replica: { id: string; name: string },
): Promise<void> {
  try {
    const details = await ctx.engine.inspectContainer(replica.id);
    if (details) {
      ctx.logger.warn("Container exited", {
        container: replica.name,
        state: details.state,
        exit_code: details.exitCode,
        oom_killed: details.oomKilled,
      });
    }
  } catch (error) {
    ctx.logger.debug("Cannot inspect lost container", {
      container: replica.name,
      error: errorMessage(error),
    });
  }
  await removeContainer(ctx, replica, ROLLBACK_STOP_TIMEOUT_S);
}
