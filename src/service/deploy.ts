/**
 * One deploy of `dewy service` and everything recorded about it, as container mode records
 * it: `dewy.deployments.total` and `dewy.deployment.duration` or `dewy.deployment.errors.total`
 * (`command="service"`), the log line, the notification, the after-deploy hook, and the deploy
 * history of operator control. A version Swarm rolled back, or whose update paused or timed
 * out, is never tried again (until its digest changes); one whose update could not even be
 * made (hook, engine refusal) is backed off.
 *
 * @module
 */
import type { SwarmService } from "../engine/swarm-types.ts";
import { EngineUnreachableError } from "../engine/errors.ts";
import type { DeployControl } from "../control/control.ts";
import { historyEntry } from "../control/history.ts";
import type { DeployTrigger, VersionRef } from "../control/types.ts";
import type { DeployPolicy } from "../deploy/policy.ts";
import type { CheckResult, DeployGate } from "../deploy/types.ts";
import { serviceUpdatedMessage } from "../notify/messages.ts";
import { errorMessage } from "../errors.ts";
import { ServiceUpdateFailedError } from "./errors.ts";
import {
  rollOutService,
  serviceHook,
  type ServiceRolloutContext,
  type ServiceTarget,
} from "./rollout.ts";
import type { ServiceObserver } from "./types.ts";

/** What {@link deployVersion} records into, owned by the service manager. */
export interface DeployRecords {
  /** The rollout's collaborators. */
  ctx: ServiceRolloutContext;
  /** Back-off and failure streak. */
  policy: DeployPolicy;
  /** Digests never tried again. */
  rejected: Set<string>;
  /** Telemetry; absent when off. */
  observer?: ServiceObserver;
  /** The deploy history; absent without operator control. */
  control?: DeployControl;
  /** Running and desired tasks now. */
  tasks(): { running: number; desired: number | undefined };
  /** Aborted at shutdown. */
  signal: AbortSignal;
}

/**
 * Update `service` to `target`, record how it went, and resolve with the check's result
 * (never rejects). `deployed` means Swarm completed the update.
 */
export async function deployVersion(
  records: DeployRecords,
  target: ServiceTarget,
  service: SwarmService,
  trigger: DeployTrigger,
): Promise<CheckResult> {
  const { ctx, signal } = records;
  const startedAt = ctx.clock.now();
  let error: unknown;
  let seconds = 0;
  try {
    seconds = await rollOutService(ctx, target, service, signal);
  } catch (failure) {
    error = failure;
  }
  if (signal.aborted) return { outcome: "stopped", version: target.version };
  const served = error instanceof ServiceUpdateFailedError;
  await records.control?.record(
    historyEntry({ target, trigger, startedAt, endedAt: ctx.clock.now(), error, served }),
  );
  return error === undefined
    ? await deployed(records, target, seconds)
    : failed(records, target, error);
}

/** An update completed: count and time it, log, notify, run the after-deploy hook. */
async function deployed(
  records: DeployRecords,
  target: ServiceTarget,
  seconds: number,
): Promise<CheckResult> {
  const { config, logger, notifier } = records.ctx;
  records.policy.deploySucceeded(target);
  records.observer?.deploymentSucceeded(seconds);
  const { running, desired } = records.tasks();
  logger.info("Service updated successfully", {
    service: config.service,
    version: target.version,
    tasks: `${running}/${desired ?? running}`,
    seconds,
  });
  records.policy.checkSucceeded();
  void notifier?.sendImportant(
    serviceUpdatedMessage({ service: config.service, tag: target.version, running, desired }),
  );
  await serviceHook(records.ctx, "after", target, records.signal);
  return { outcome: "deployed", version: target.version };
}

/** An update of `target` failed: count it; never again (Swarm refused it) or after a back-off. */
function failed(records: DeployRecords, target: ServiceTarget, error: unknown): CheckResult {
  const { logger, config, notifier } = records.ctx;
  records.observer?.deploymentFailed();
  // The engine being away fails the check, not the version: tried again at the next tick.
  if (error instanceof EngineUnreachableError) {
    return { ...records.policy.checkFailed(error, true), version: target.version };
  }
  let retryAt: number | undefined;
  if (error instanceof ServiceUpdateFailedError) records.rejected.add(target.digest);
  else retryAt = records.policy.deployFailed(target);
  logger.error("Service update failed", {
    service: config.service,
    version: target.version,
    digest: target.digest,
    error: errorMessage(error),
    retry_at: retryAt === undefined
      ? "never (until its digest changes)"
      : new Date(retryAt).toISOString(),
  });
  void notifier?.sendError(error);
  return { outcome: "failed", version: target.version, error, retryAt };
}

/**
 * With `--verify-key` (`gate`): the result that ends a check or rollback whose version has no
 * valid signature (the gate logs, notifies and counts it once per digest), or whose signatures
 * cannot be read now (the check failed); `undefined` when it may be deployed.
 */
export async function refusedBy(
  records: DeployRecords,
  gate: DeployGate | undefined,
  version: VersionRef & { tags?: readonly string[] },
): Promise<CheckResult | undefined> {
  const { signal, policy } = records;
  if (!gate) return undefined;
  const image = { tag: version.version, digest: version.digest, tags: version.tags };
  let refusal: Error | undefined;
  try {
    refusal = await gate.refusal(image, signal);
  } catch (error) {
    return signal.aborted ? { outcome: "stopped" } : policy.checkFailed(error, true);
  }
  if (!refusal) return undefined;
  policy.answered(); // the registry answered; the version stays refused
  return { outcome: "refused", version: version.version, error: refusal };
}
