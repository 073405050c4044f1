/**
 * The work of the deploy loop, one task at a time: adoption at start-up, a registry check
 * (ask for the newest version, decide, deploy it or keep the running one serving), and
 * replacing a replica that died.
 *
 * @module
 */
import type { ContainerSummary } from "../engine/types.ts";
import { EngineUnreachableError } from "../engine/errors.ts";
import { errorMessage } from "../errors.ts";
import type { ImageRegistry, LatestImage } from "../registry/types.ts";
import { ConstraintUnmatchedError } from "../registry/errors.ts";
import type { DeployControl } from "../control/control.ts";
import type { DeployTrigger } from "../control/types.ts";
import { adoptRunning } from "./adopt.ts";
import { discardLost, pruneImages } from "./cleanup.ts";
import type { Deployer } from "./deployer.ts";
import { appFilter } from "./labels.ts";
import type { DeployPolicy } from "./policy.ts";
import type { ResolvedPort } from "./ports.ts";
import type { DeployRecorder } from "./recorder.ts";
import type { DeployContext, DeployTarget } from "./replica.ts";
import type { ReplicaSet } from "./replica-set.ts";
import { SerialQueue } from "./scheduler.ts";
import type { CheckResult, DeployGate } from "./types.ts";

/** Options of {@link CheckRunner}. */
export interface CheckRunnerOptions {
  /** What the deploy steps share. */
  ctx: DeployContext;
  /** The registry polled for new versions. */
  registry: ImageRegistry;
  /** The replicas that serve. */
  serving: ReplicaSet;
  /** Decides whether a check or deploy may run now. */
  policy: DeployPolicy;
  /** Carries out deploys and heals. */
  deployer: Deployer;
  /** Records outcomes. */
  recorder: DeployRecorder;
  /** Aborts what runs (shutdown). */
  stop: AbortSignal;
  /** Aborted first at shutdown: no new check, deploy or heal starts. */
  closing: AbortSignal;
  /** Operator control: while paused or pinned, the held version serves, not the newest. */
  control?: DeployControl;
  /** With `--verify-key`: only digests a key signed are deployed. */
  signatures?: DeployGate;
}

/** Runs adoption, checks and heals; rollouts and heals never overlap. */
export class CheckRunner {
  #options: CheckRunnerOptions;
  #queue = new SerialQueue();
  #adopted: Promise<void> = Promise.resolve();

  /** @param options context, registry, replica set, policy, deployer, recorder and signals */
  constructor(options: CheckRunnerOptions) {
    this.#options = options;
  }

  /** Resolves when no adoption, rollout or heal is running or queued. */
  settled(): Promise<void> {
    return this.#queue.settled();
  }

  /**
   * Adopt the app's running managed containers; the version of the newest one is what runs.
   * Checks wait for it. Never rejects: a failure is logged.
   */
  adopt(): Promise<void> {
    const { ctx, serving, stop } = this.#options;
    return this.#adopted = this.#queue.run(async () => {
      try {
        const adopted = await adoptRunning(ctx, { serving, signal: stop });
        if (adopted) serving.runs(adopted);
      } catch (error) {
        if (!stop.aborted) {
          ctx.logger.error("Cannot look for running containers to adopt", {
            error: errorMessage(error),
          });
        }
      }
    });
  }

  /**
   * One check, started by `trigger`. Pulling a new version and its before-deploy hook run
   * outside the queue, so a heal of the running version never waits behind them; the rollout
   * itself runs in it. While paused, the newest version is skipped and the held one kept.
   */
  async check(trigger: DeployTrigger): Promise<CheckResult> {
    const { ctx, registry, policy, deployer, recorder, serving, stop: signal } = this.#options;
    await this.#adopted; // what runs is known only once adoption is done
    if (this.#options.closing.aborted) return { outcome: "stopped" };
    const pausedUntil = policy.pausedUntil();
    if (pausedUntil !== undefined) {
      await this.#keepServing();
      return { outcome: "rate-limited", retryAt: pausedUntil };
    }
    let latest: LatestImage;
    try {
      latest = await registry.latest(signal);
    } catch (error) {
      if (signal.aborted) return { outcome: "stopped" };
      if (error instanceof ConstraintUnmatchedError) return this.#noMatch(error);
      const failed = recorder.checkFailed(error);
      await this.#keepServing();
      return failed;
    }
    ctx.logger.debug("Found latest image", { tag: latest.tag, digest: latest.digest });
    const target = { version: latest.tag, digest: latest.digest, image: latest.pinnedReference };
    const control = this.#options.control;
    if (control?.pauseState) {
      if (control.held()?.digest !== target.digest) control.skipped(target);
      recorder.checkSucceeded(); // the registry answered; holding is not a failure
      await this.#keepServing();
      return { outcome: "paused", version: target.version };
    }
    const refused = this.#decide(target) ?? await this.#unsigned(latest.tag, latest);
    if (refused) {
      if (refused.outcome !== "stopped") await this.#keepServing();
      return refused;
    }
    let prepared: readonly ResolvedPort[] | undefined;
    const startedAt = ctx.clock.now();
    if (serving.version?.digest !== target.digest) {
      try {
        prepared = await deployer.prepare("deploy", target);
      } catch (error) {
        // An engine that cannot be reached fails the check, not the version.
        const engineAway = error instanceof EngineUnreachableError && !signal.aborted;
        return engineAway
          ? recorder.checkFailed(error)
          : recorder.failed("deploy", target, error, { trigger, startedAt });
      }
    }
    const result = await this.#inQueue((strays) => {
      // A pause or rollback that came while this version was pulled wins over it.
      if (control?.pauseState) {
        control.skipped(target);
        return Promise.resolve<CheckResult>({ outcome: "paused", version: target.version });
      }
      return deployer.apply(target, { strays, prepared, trigger, startedAt });
    });
    const outcome = result.outcome;
    // A deploy ended the streak already, before its message (see DeployRecorder.rolledOut).
    if (outcome === "up-to-date" || outcome === "healed") recorder.checkSucceeded();
    if (outcome === "deployed") await this.#afterDeploy(target);
    return result;
  }

  /**
   * Deploy `target` now, the way a check deploys (a rollback), then run `then` before any
   * other deploy may start. Resolves with the outcome (`failed`: the old version serves).
   */
  async deploy(
    target: DeployTarget,
    trigger: DeployTrigger,
    then: () => Promise<void>,
  ): Promise<CheckResult> {
    await this.#adopted;
    if (this.#options.closing.aborted) return { outcome: "stopped", version: target.version };
    const refused = await this.#unsigned(target.version, target);
    if (refused) return refused;
    const result = await this.#inQueue(async (strays) => {
      const applied = await this.#options.deployer.apply(target, { strays, trigger });
      if (["deployed", "healed", "up-to-date"].includes(applied.outcome)) await then();
      return applied;
    });
    if (result.outcome === "deployed") await this.#afterDeploy(target);
    return result;
  }

  /** In the queue, once the engine's list of the app's containers is known: `task(strays)`. */
  #inQueue(task: (strays: ContainerSummary[]) => Promise<CheckResult>): Promise<CheckResult> {
    const { recorder, stop: signal } = this.#options;
    return this.#queue.run(async (): Promise<CheckResult> => {
      let strays: ContainerSummary[];
      try {
        strays = await this.#syncWithEngine();
      } catch (error) {
        return signal.aborted ? { outcome: "stopped" } : recorder.checkFailed(error);
      }
      return task(strays);
    });
  }

  /** After a deploy: the after-deploy hook, then old images of the repository are pruned. */
  async #afterDeploy(target: DeployTarget): Promise<void> {
    const { ctx, deployer, serving } = this.#options;
    await deployer.hook("after", target);
    const repository = target.image.slice(0, target.image.lastIndexOf("@"));
    await this.#queue.run(() => pruneImages(ctx, repository, serving));
  }

  /** No tag in the `constraint=` range: a warning at each check; what runs keeps serving. */
  async #noMatch(error: ConstraintUnmatchedError): Promise<CheckResult> {
    const { ctx, recorder } = this.#options;
    ctx.logger.warn("No tag matches the constraint", {
      constraint: error.constraint,
      newest: error.newest,
      serving: this.#options.serving.version?.version ?? "(nothing)",
    });
    recorder.checkSucceeded(); // the registry answered: not an error streak
    await this.#keepServing();
    return { outcome: "no-match", version: error.newest };
  }

  /**
   * A replica died or was removed behind dewy's back: out of rotation now, replaced soon
   * (unless the running version is backed off or dewy is shutting down).
   */
  replaceLost(id: string, action: string): void {
    const { ctx, serving, policy, deployer, stop, closing } = this.#options;
    const replica = serving.find(id);
    if (!replica || stop.aborted) return;
    serving.lose(replica, action);
    if (closing.aborted) return; // shutting down: nothing is replaced any more
    this.#queue.run(async () => {
      await discardLost(ctx, replica);
      const running = serving.version;
      if (!running || closing.aborted || !policy.mayHeal(running)) return;
      await deployer.apply(running, { strays: [], trigger: "heal" });
    }).catch((error) => {
      ctx.logger.error("Unexpected deploy manager failure", { error: errorMessage(error) });
    });
  }

  /**
   * Whether the newest version may be deployed now: `undefined` when it may, else the result
   * that ends the check.
   */
  #decide(candidate: DeployTarget): CheckResult | undefined {
    return this.#options.policy.decide(candidate);
  }

  /**
   * With `--verify-key`: the result that ends a check or rollback whose version (`tag`) has no
   * valid signature, or whose signatures cannot be read now (the check failed); `undefined`
   * when it may be deployed. The version that already runs is only audited, once.
   */
  async #unsigned(
    tag: string,
    version: { digest: string; tags?: readonly string[] },
  ): Promise<CheckResult | undefined> {
    const { ctx, serving, policy, recorder, signatures, stop: signal } = this.#options;
    if (!signatures) return undefined;
    const image = { tag, digest: version.digest, tags: version.tags };
    if (serving.version?.digest === version.digest) {
      await signatures.auditRunning(image, signal).catch((error) =>
        ctx.logger.debug("Cannot verify the running version now", { error: errorMessage(error) })
      );
      return undefined;
    }
    let refusal: Error | undefined;
    try {
      refusal = await signatures.refusal(image, signal);
    } catch (error) {
      return signal.aborted ? { outcome: "stopped" } : recorder.checkFailed(error);
    }
    if (!refusal) return undefined;
    policy.answered(); // the registry answered; the version stays refused
    return { outcome: "refused", version: tag, error: refusal };
  }

  /**
   * Restore missing replicas of the running version when the newest one cannot be deployed
   * now (registry failing or rate-limited, newest version refused). While paused or pinned,
   * the held version is what must run: a restarted dewy deploys it when it does not run.
   */
  async #keepServing(): Promise<void> {
    const { ctx, serving, policy, deployer, stop } = this.#options;
    const control = this.#options.control;
    const running = control?.held() ?? serving.version;
    // Restoring a pinned version is the rollback's deploy; anything else here is a heal.
    const trigger = control?.pauseState?.kind === "pin" ? "rollback" : "heal";
    if (!running || stop.aborted) return;
    const replicas = { serving: serving.size, wanted: ctx.config.rollout.replicas };
    if (!policy.mayHeal(running, replicas)) return;
    await this.#queue.run(async () => {
      try {
        await this.#syncWithEngine();
      } catch (error) {
        ctx.logger.debug("Cannot list the app's containers", { error: errorMessage(error) });
        return;
      }
      await deployer.apply(running, { strays: [], trigger });
    });
  }

  /** Drop replicas the engine no longer runs; return running managed containers not tracked. */
  async #syncWithEngine(): Promise<ContainerSummary[]> {
    const { ctx, serving, stop: signal } = this.#options;
    const running = await ctx.engine.listContainers(appFilter(ctx.config.app), { signal });
    const ids = new Set(running.map((c) => c.id));
    for (const replica of [...serving]) {
      if (!ids.has(replica.id)) serving.lose(replica, "not running");
    }
    const tracked = new Set([...serving].map((r) => r.id));
    return running.filter((c) => !tracked.has(c.id));
  }
}
