/**
 * Where the outcome of every check, deploy and heal is recorded: the deploy policy learns it
 * (back-off, failure streak), telemetry counts it, the log and the notifier report it.
 *
 * @module
 */
import { EngineUnreachableError } from "../engine/errors.ts";
import { errorMessage } from "../errors.ts";
import { deployedMessage } from "../notify/messages.ts";
import type { Notifier } from "../notify/types.ts";
import type { DeployPolicy } from "./policy.ts";
import type { DeployContext, DeployTarget } from "./replica.ts";
import type { ReplicaSet } from "./replica-set.ts";
import type { CheckResult } from "./types.ts";
import { historyEntry } from "../control/history.ts";
import type { DeployTrigger, HistoryEntry } from "../control/types.ts";

/** What a rollout is for: a new version, or restoring replicas of the running one. */
export type RolloutKind = "deploy" | "heal";

/** How a deploy or heal came about, for its history entry. */
export interface DeployRun {
  /** What started it. */
  trigger: DeployTrigger;
  /** When it started (epoch ms). */
  startedAt: number;
  /** Whether a new replica had joined the rotation (a failure then was a roll back). */
  served?: boolean;
}

/** Options of {@link DeployRecorder}. */
export interface DeployRecorderOptions {
  /** Logger, clock, telemetry and the rollout settings. */
  ctx: Pick<DeployContext, "logger" | "clock" | "observer" | "config">;
  /** Learns every outcome. */
  policy: DeployPolicy;
  /** Read to say whether the running version keeps serving. */
  serving: ReplicaSet;
  /** Notifications; omit for none. */
  notifier?: Notifier;
  /** Aborted at shutdown: a failure after it is the stop, not the version's fault. */
  closing: AbortSignal;
  /** Keeps the deploy history (`DeployControl`); omit for none. */
  history?: { record(entry: HistoryEntry): Promise<void> };
}

/** Records outcomes; see the module. */
export class DeployRecorder {
  #options: DeployRecorderOptions;

  /** @param options context, policy, replica set, notifier and the shutdown signal */
  constructor(options: DeployRecorderOptions) {
    this.#options = options;
  }

  /** A registry or engine failure ended the check: the policy reports it (and pauses on a 429). */
  checkFailed(error: unknown): CheckResult {
    return this.#options.policy.checkFailed(error, this.#options.serving.size > 0);
  }

  /** A check ended well without deploying (up to date, or healed). */
  checkSucceeded(): void {
    this.#options.policy.checkSucceeded();
  }

  /**
   * A rollout of `target` completed: `rollout.started` new replicas, the rollout itself begun
   * at `rollout.at` (epoch ms; what `dewy.deployment.duration` times). A deploy is counted,
   * logged and notified; either kind ends the version's back-off and goes into the history.
   */
  rolledOut(
    kind: RolloutKind,
    target: DeployTarget,
    rollout: { started: number; at: number },
    run: DeployRun,
  ): void {
    const { ctx, policy, notifier } = this.#options;
    const { started, at: startedAt } = rollout;
    this.#remember(target, run);
    if (kind === "deploy") {
      const total = ctx.config.rollout.replicas;
      ctx.observer?.deploymentSucceeded((ctx.clock.now() - startedAt) / 1000);
      ctx.logger.info("Container deployed successfully", {
        version: target.version,
        replicas: started,
        total,
      });
      // A deploy that worked resolves the errors before it (say of a version that kept
      // failing), so its message is not muted by their count.
      policy.checkSucceeded();
      void notifier?.sendImportant(deployedMessage({ started, total, tag: target.version }));
    }
    policy.deploySucceeded(target);
  }

  /** A deploy or heal of `target` failed: back it off, log, notify, put it in the history. */
  failed(kind: RolloutKind, target: DeployTarget, error: unknown, run?: DeployRun): CheckResult {
    const { ctx, policy, notifier, closing } = this.#options;
    if (closing.aborted) return { outcome: "stopped", version: target.version };
    // An engine that was away is the check's failure, retried at each tick: not a deploy's.
    if (run && !(error instanceof EngineUnreachableError)) this.#remember(target, run, error);
    if (kind === "deploy") ctx.observer?.deploymentFailed();
    // A rollout that failed only because the engine was away fails the check (reported once
    // per streak) and is tried again at the next tick: the version is not at fault.
    if (error instanceof EngineUnreachableError) {
      return { ...this.checkFailed(error), version: target.version };
    }
    const retryAt = policy.deployFailed(target);
    ctx.logger.error(
      kind === "deploy" ? "Container deployment failed" : "Replacing replicas failed",
      {
        version: target.version,
        error: errorMessage(error),
        retry_at: new Date(retryAt).toISOString(),
      },
    );
    void notifier?.sendError(error);
    return { outcome: "failed", version: target.version, error, retryAt };
  }

  #remember(target: DeployTarget, run: DeployRun, error?: unknown): void {
    const { history, ctx } = this.#options;
    const endedAt = ctx.clock.now();
    void history?.record(historyEntry({ target, ...run, endedAt, error }));
  }
}
