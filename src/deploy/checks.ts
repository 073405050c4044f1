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
import type { CheckResult } from "./types.ts";

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
   * One check. Pulling a new version and its before-deploy hook run outside the queue, so a
   * heal of the running version never waits behind them; the rollout itself runs in it.
   */
  async check(): Promise<CheckResult> {
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
      const failed = recorder.checkFailed(error);
      await this.#keepServing();
      return failed;
    }
    ctx.logger.debug("Found latest image", { tag: latest.tag, digest: latest.digest });
    const target = { version: latest.tag, digest: latest.digest, image: latest.pinnedReference };
    const refused = this.#decide(target);
    if (refused) {
      await this.#keepServing();
      return refused;
    }
    let prepared: readonly ResolvedPort[] | undefined;
    if (serving.version?.digest !== target.digest) {
      try {
        prepared = await deployer.prepare("deploy", target);
      } catch (error) {
        // An engine that cannot be reached fails the check, not the version.
        const engineAway = error instanceof EngineUnreachableError && !signal.aborted;
        return engineAway ? recorder.checkFailed(error) : recorder.failed("deploy", target, error);
      }
    }
    const result = await this.#queue.run(async (): Promise<CheckResult> => {
      let strays: ContainerSummary[];
      try {
        strays = await this.#syncWithEngine();
      } catch (error) {
        return signal.aborted ? { outcome: "stopped" } : recorder.checkFailed(error);
      }
      return deployer.apply(target, { strays, prepared });
    });
    const outcome = result.outcome;
    // A deploy ended the streak already, before its message (see DeployRecorder.rolledOut).
    if (outcome === "up-to-date" || outcome === "healed") recorder.checkSucceeded();
    if (outcome === "deployed") {
      await deployer.hook("after", target);
      const repository = `${latest.registry}/${latest.repository}`;
      await this.#queue.run(() => pruneImages(ctx, repository, serving));
    }
    return result;
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
      await deployer.apply(running, { strays: [] });
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
   * Restore missing replicas of the running version when the newest one cannot be deployed
   * now (registry failing or rate-limited, newest version refused).
   */
  async #keepServing(): Promise<void> {
    const { ctx, serving, policy, deployer, stop } = this.#options;
    const running = serving.version;
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
      await deployer.apply(running, { strays: [] });
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
