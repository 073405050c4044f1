/**
 * Housekeeping after a successful deploy: remove exited managed containers of the app and
 * prune old images of its repository, keeping the newest {@link IMAGES_KEPT}. Best effort:
 * failures are logged, never thrown.
 *
 * @module
 */
import { IMAGES_KEPT } from "../defaults.ts";
import { errorMessage } from "../errors.ts";
import { appFilter } from "./labels.ts";
import type { DeployContext, Replica } from "./replica.ts";

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
