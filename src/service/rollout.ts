/**
 * One version onto the service: the before-deploy hook, the update (Swarm rolls it out in its
 * batches), following it to its end, and dewy's own rollback of an update that paused or
 * outlived `--update-timeout`.
 *
 * @module
 */
import type { SwarmEngine, SwarmService } from "../engine/swarm-types.ts";
import type { ImageRegistry } from "../registry/types.ts";
import type { Notifier } from "../notify/types.ts";
import type { Clock } from "../deploy/clock.ts";
import { HookFailedError } from "../deploy/errors.ts";
import { hookSucceeded } from "../hooks/result.ts";
import type { HookRunner } from "../hooks/run.ts";
import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import type { ServiceSettings } from "./config.ts";
import { ServiceUpdateFailedError } from "./errors.ts";
import { type FollowResult, followUpdate, SERVICE_UPDATE_POLL_MS } from "./follow.ts";
import { sendUpdate } from "./update.ts";

/** A version to deploy: its tag, digest and the `REPO:TAG@sha256:…` the service runs. */
export interface ServiceTarget {
  version: string;
  digest: string;
  image: string;
}

/** What a rollout uses. */
export interface ServiceRolloutContext {
  /** The service, its update window and hooks. */
  config: ServiceSettings;
  swarm: SwarmEngine;
  /** Supplies the pull credentials sent to every node. */
  registry: Pick<ImageRegistry, "pullAuth">;
  logger: Logger;
  clock: Clock;
  notifier?: Notifier;
  /** Runs the deploy hooks (`hookRunner(runtime)`). */
  runHook: HookRunner;
  /** Running and desired tasks, after each poll of the update. */
  onTasks?: (running: number, desired: number | undefined) => void;
  /** Gap between polls of the update (default {@link SERVICE_UPDATE_POLL_MS}). */
  pollMs?: number;
}

/**
 * Run a deploy hook for `target`; a failed before-deploy hook throws {@link HookFailedError}.
 * Hooks get `DEWY_APP` (the service), `DEWY_VERSION` and `DEWY_IMAGE`.
 */
export async function serviceHook(
  ctx: ServiceRolloutContext,
  which: "before" | "after",
  target: ServiceTarget,
  signal: AbortSignal,
): Promise<void> {
  const { config, logger } = ctx;
  const command = which === "before" ? config.hooks.beforeDeploy : config.hooks.afterDeploy;
  if (!command) return;
  const result = await ctx.runHook({
    command,
    context: { app: config.service, version: target.version, image: target.image },
    logger,
    signal,
  });
  void ctx.notifier?.hookResult(which === "before" ? "Before Deploy" : "After Deploy", result);
  if (which === "before" && !hookSucceeded(result)) {
    throw new HookFailedError(command, result.exitCode, result.timedOut);
  }
}

/**
 * Update `service` (as read at the start of the check) to `target` and follow the update.
 * Resolves with its duration in seconds once Swarm completed it.
 * @throws {HookFailedError} the before-deploy hook failed (nothing was changed)
 * @throws {ServiceUpdateFailedError} Swarm rolled it back, or it paused or timed out (and dewy
 *   rolled it back)
 * @throws {EngineError} the engine refused the update
 */
export async function rollOutService(
  ctx: ServiceRolloutContext,
  target: ServiceTarget,
  service: SwarmService,
  signal: AbortSignal,
): Promise<number> {
  const { config, clock, logger } = ctx;
  logger.info("Starting service update", {
    service: config.service,
    version: target.version,
    image: target.image,
  });
  await serviceHook(ctx, "before", target, signal);
  const startedAt = clock.now();
  const before = await sendUpdate({
    swarm: ctx.swarm,
    service,
    image: target.image,
    monitorMinMs: config.update.monitorMs,
    auth: ctx.registry.pullAuth(),
    logger,
    signal,
  });
  const result = await follow(ctx, target, before, signal);
  if (result.end === "completed") return (clock.now() - startedAt) / 1000;
  if (result.end === "paused" || result.end === "timeout") {
    await rollBack(ctx, before.id, result, signal);
  }
  throw new ServiceUpdateFailedError(config.service, target, result.end, result.message);
}

function follow(
  ctx: ServiceRolloutContext,
  target: ServiceTarget,
  before: SwarmService,
  signal: AbortSignal,
): Promise<FollowResult> {
  return followUpdate({
    swarm: ctx.swarm,
    serviceId: before.id,
    image: target.image,
    version: target.version,
    previousStartedAt: before.updateStatus?.startedAt ?? "",
    timeoutMs: ctx.config.update.timeoutMs,
    pollMs: ctx.pollMs ?? SERVICE_UPDATE_POLL_MS,
    clock: ctx.clock,
    logger: ctx.logger,
    onTasks: ctx.onTasks,
    signal,
  });
}

/**
 * Ask Swarm to go back to the previous spec (`rollback=previous`) after an update that paused
 * or timed out, and follow that to its end. A rollback that cannot be made is logged; the
 * failure of the update is reported either way.
 */
async function rollBack(
  ctx: ServiceRolloutContext,
  serviceId: string,
  failed: FollowResult,
  signal: AbortSignal,
): Promise<void> {
  const { swarm, logger, config } = ctx;
  logger.warn("Rolling back the service update", {
    service: config.service,
    reason: failed.end,
    swarm_message: failed.message,
  });
  try {
    const service = await swarm.inspectService(serviceId, signal);
    if (!service?.hasPreviousSpec) throw new Error("the service has no previous spec");
    await swarm.updateService(service.id, service.version, service.spec, {
      rollback: true,
      signal,
    });
    const result = await followUpdate({
      swarm,
      serviceId,
      image: "",
      version: "",
      previousStartedAt: service.updateStatus?.startedAt ?? "",
      timeoutMs: config.update.timeoutMs,
      pollMs: ctx.pollMs ?? SERVICE_UPDATE_POLL_MS,
      clock: ctx.clock,
      logger,
      onTasks: ctx.onTasks,
      signal,
    });
    logger.info("Service rollback ended", { service: config.service, state: result.end });
  } catch (error) {
    if (signal.aborted) throw error;
    logger.error("Cannot roll back the service update: run docker service rollback", {
      service: config.service,
      error: errorMessage(error),
    });
  }
}
