/**
 * Carries out one deploy or heal: get the image onto the engine, run the before-deploy hook,
 * roll the replicas out through the {@link ReplicaSet}, and hand the outcome to the
 * {@link DeployRecorder}.
 *
 * @module
 */
import type { ContainerSummary } from "../engine/types.ts";
import { hookSucceeded } from "../hooks/result.ts";
import type { HookRunner } from "../hooks/run.ts";
import { pulledMessage } from "../notify/messages.ts";
import type { Notifier } from "../notify/types.ts";
import type { ImageRegistry } from "../registry/types.ts";
import { reapExited } from "./cleanup.ts";
import { HookFailedError } from "./errors.ts";
import { type ResolvedPort, resolvePorts } from "./ports.ts";
import { ensureImage } from "./pull.ts";
import type { DeployRecorder, DeployRun, RolloutKind } from "./recorder.ts";
import type { DeployTrigger } from "../control/types.ts";
import type { DeployContext, DeployTarget } from "./replica.ts";
import type { ReplicaSet } from "./replica-set.ts";
import { planRollout, rollout } from "./rollout.ts";
import type { CheckResult } from "./types.ts";

/** Options of {@link Deployer}. */
export interface DeployerOptions {
  /** What the deploy steps share. */
  ctx: DeployContext;
  /** The replicas that serve; rollouts go through it. */
  serving: ReplicaSet;
  /** Records how each rollout ended. */
  recorder: DeployRecorder;
  /** Gives the credentials of a pull. */
  registry: Pick<ImageRegistry, "pullAuth">;
  /** Runs the deploy hooks. */
  runHook: HookRunner;
  /** Notifications (image pulled, hook results); omit for none. */
  notifier?: Notifier;
  /** Aborts what runs (shutdown): a rollout in flight is rolled back. */
  stop: AbortSignal;
  /** Aborted first at shutdown: nothing new starts. */
  closing: AbortSignal;
}

/** Deploys and heals; see the module. */
export class Deployer {
  #options: DeployerOptions;

  /** @param options context, replica set, recorder, registry, hooks and the stop signals */
  constructor(options: DeployerOptions) {
    this.#options = options;
  }

  /**
   * Make what serves match `target`: deploy it, heal it, or do nothing. `prepared`: the ports
   * of a deploy whose image and before-deploy hook are done (since `startedAt`). `trigger`:
   * what started it, for the history (a heal is always `heal`). Never rejects.
   */
  async apply(
    target: DeployTarget,
    options: {
      strays: ContainerSummary[];
      prepared?: readonly ResolvedPort[];
      trigger: DeployTrigger;
      startedAt?: number;
    },
  ): Promise<CheckResult> {
    const { ctx, serving, recorder, closing } = this.#options;
    if (closing.aborted) return { outcome: "stopped", version: target.version };
    const plan = planRollout(serving, target, ctx.config.rollout.replicas);
    if (!plan) {
      ctx.logger.debug("Nothing to deploy: the version runs on every replica", {
        version: target.version,
      });
      return { outcome: "up-to-date", version: target.version };
    }
    const kind: RolloutKind = serving.version?.digest === target.digest ? "heal" : "deploy";
    const run: DeployRun = {
      trigger: kind === "heal" ? "heal" : options.trigger,
      startedAt: options.startedAt ?? ctx.clock.now(),
    };
    try {
      const ports = options.prepared ?? await this.prepare(kind, target);
      if (kind === "heal") {
        ctx.logger.info("Replacing missing replicas", {
          version: target.version,
          replicas: plan.start.join(","),
        });
      }
      const rolloutAt = ctx.clock.now();
      const started = await rollout(ctx, plan, {
        ports,
        serving,
        strays: options.strays,
        signal: this.#options.stop,
        onJoin: () => (run.served = true),
      });
      serving.runs(target);
      if (kind === "deploy") await reapExited(ctx);
      recorder.rolledOut(kind, target, { started: started.length, at: rolloutAt }, run);
      return { outcome: kind === "deploy" ? "deployed" : "healed", version: target.version };
    } catch (error) {
      return recorder.failed(kind, target, error, run);
    }
  }

  /**
   * Get `target`'s image onto the engine and resolve its ports; for a deploy, also run the
   * before-deploy hook. Returns the port mappings.
   */
  async prepare(kind: RolloutKind, target: DeployTarget): Promise<readonly ResolvedPort[]> {
    const { ctx, registry, notifier } = this.#options;
    const image = await ensureImage({
      engine: ctx.engine,
      image: target.image,
      version: target.version,
      auth: registry.pullAuth(),
      logger: ctx.logger,
      clock: ctx.clock,
      signal: this.#options.stop,
    });
    if (image.pulled) void notifier?.send(pulledMessage(target.version));
    const ports = resolvePorts(ctx.config.ports, target.image, image.exposedTcpPorts);
    if (kind === "deploy") {
      ctx.logger.info("Starting container deployment", {
        version: target.version,
        replicas: ctx.config.rollout.replicas,
      });
      await this.hook("before", target);
    }
    return ports;
  }

  /** Run a deploy hook; a failed before-deploy hook throws {@link HookFailedError}. */
  async hook(which: "before" | "after", target: DeployTarget): Promise<void> {
    const { ctx, closing, notifier } = this.#options;
    const { config, logger } = ctx;
    const command = which === "before" ? config.hooks.beforeDeploy : config.hooks.afterDeploy;
    if (!command) return;
    if (closing.aborted) {
      // A hook started now would be killed at once (and reported as failed).
      logger.warn("Deploy hook skipped: dewy is shutting down", { hook: which, command });
      if (which === "before") closing.throwIfAborted();
      return;
    }
    const result = await this.#options.runHook({
      command,
      context: { app: config.app, version: target.version, image: target.image },
      logger,
      signal: this.#options.stop,
    });
    void notifier?.hookResult(which === "before" ? "Before Deploy" : "After Deploy", result);
    if (which === "before" && !hookSucceeded(result)) {
      throw new HookFailedError(command, result.exitCode, result.timedOut);
    }
  }
}
