/**
 * The deploy manager: the check loop (registry → decide → rolling deploy), adoption at
 * start-up, self-healing from engine events, shutdown, and the state the admin API shows.
 *
 * @module
 */
import type { DeploySettings } from "../config.ts";
import type { ContainerSummary, Engine } from "../engine/types.ts";
import type { ImageRegistry, LatestImage } from "../registry/types.ts";
import { EngineUnreachableError } from "../engine/errors.ts";
import type { Notifier } from "../notify/types.ts";
import {
  deployedMessage,
  pulledMessage,
  stoppedMessage,
  type StopSignal,
} from "../notify/messages.ts";
import type { BackendPool } from "../proxy/pool.ts";
import { type Logger, silentLogger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import { NOTIFY_TIMEOUT_MS } from "../notify/types.ts";
import { type Clock, realClock } from "./clock.ts";
import type { FailureBackoffOptions } from "./backoff.ts";
import { HookFailedError } from "./errors.ts";
import { hookSucceeded } from "../hooks/result.ts";
import type { HookRunner } from "../hooks/run.ts";
import { adoptRunning } from "./adopt.ts";
import { discardLost, pruneImages, reapExited } from "./cleanup.ts";
import { watchContainerExits } from "./events.ts";
import { listContainerInfo } from "./info.ts";
import { appFilter } from "./labels.ts";
import { type ResolvedPort, resolvePorts } from "./ports.ts";
import { ensureImage } from "./pull.ts";
import type { DeployContext, DeployTarget } from "./replica.ts";
import { ReplicaSet } from "./replica-set.ts";
import { planRollout, rollout, type RolloutPlan } from "./rollout.ts";
import { removeAllManaged } from "./shutdown.ts";
import { CheckScheduler, SerialQueue } from "./scheduler.ts";
import { DeployPolicy } from "./policy.ts";
import type {
  CheckResult,
  ContainerInfo,
  DeployObserver,
  DeployStatus,
  TcpProbe,
} from "./types.ts";

/** Options of {@link DeployManager}. */
export interface DeployManagerOptions {
  /** The deploy section of the configuration. */
  settings: DeploySettings;
  /** The container engine. */
  engine: Engine;
  /** The registry polled for new versions. */
  registry: ImageRegistry;
  /** One proxy per `--port` proxy port (a `TcpProxy` fits). */
  proxies: ReadonlyMap<number, { readonly pool: BackendPool }>;
  /** The TCP health probe (the runtime's `probeTcp` with a settle time). */
  probeTcp: TcpProbe;
  /** Logger (default: silent). */
  logger?: Logger;
  /** Time source (default: the wall clock). */
  clock?: Clock;
  /** Telemetry; omit when off. */
  observer?: DeployObserver;
  /** Notifications; omit for none. */
  notifier?: Notifier;
  /** Runs the deploy hooks (`hookRunner(runtime)` of `hooks/run.ts`). */
  runHook: HookRunner;
  /**
   * `uid:gid` containers run as without `--user` (`defaultContainerUser`: dewy's own, or
   * `undefined` under root, when the image's `USER` decides).
   */
  user: string | undefined;
  /** Back-off of failed versions (default: DEPLOY_RETRY_BASE_MS doubling to DEPLOY_RETRY_MAX_MS). */
  backoff?: FailureBackoffOptions;
  /** How long shutdown waits for notifications still queued (default {@link NOTIFY_TIMEOUT_MS}). */
  notifyTimeoutMs?: number;
}

/** What a rollout is for: a new version, or restoring replicas of the current one. */
type RolloutKind = "deploy" | "heal";

/**
 * Keeps the newest version of an image running behind the proxies.
 *
 * @example
 * ```ts
 * const manager = new DeployManager({ settings, engine, registry, proxies, probeTcp, logger });
 * await manager.start();          // adopt running replicas, first check, then every --interval
 * await manager.checkNow();       // POST /api/deploy
 * await manager.shutdown("SIGTERM");
 * ```
 */
export class DeployManager {
  #ctx: DeployContext;
  #registry: ImageRegistry;
  #notifier: Notifier | undefined;
  #runHook: HookRunner;
  #serving: ReplicaSet;
  #desired: DeployTarget | undefined;
  #policy: DeployPolicy;
  #queue = new SerialQueue();
  #scheduler: CheckScheduler;
  #stop = new AbortController();
  /** Aborted first at shutdown: no new check, deploy or heal starts. */
  #checks = new AbortController();
  #started = false;
  #background: Promise<void>[] = [];
  #notifyTimeoutMs: number;
  #adopted: Promise<void> = Promise.resolve();

  /** @param options deploy settings, engine, registry, proxies and collaborators */
  constructor(options: DeployManagerOptions) {
    this.#ctx = {
      config: options.settings,
      engine: options.engine,
      proxies: options.proxies,
      logger: options.logger ?? silentLogger,
      clock: options.clock ?? realClock,
      probeTcp: options.probeTcp,
      observer: options.observer,
      user: options.user,
    };
    this.#serving = new ReplicaSet(this.#ctx);
    this.#registry = options.registry;
    this.#notifier = options.notifier;
    this.#runHook = options.runHook;
    this.#notifyTimeoutMs = options.notifyTimeoutMs ?? NOTIFY_TIMEOUT_MS;
    this.#policy = new DeployPolicy({
      logger: this.#ctx.logger,
      clock: this.#ctx.clock,
      notifier: options.notifier,
      backoff: options.backoff,
      defaultPauseMs: options.settings.poll.intervalMs,
    });
    this.#scheduler = new CheckScheduler({
      check: () => this.#runCheck(),
      intervalMs: options.settings.poll.intervalMs,
      clock: this.#ctx.clock,
      logger: this.#ctx.logger,
      signal: this.#checks.signal,
    });
  }

  /**
   * Adopt the app's running managed containers (into the proxies at once), subscribe to
   * engine events for self-healing, then run the first check (in the background) and one
   * every `--interval`. Resolves once adoption is done.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { signal } = this.#stop;
    const { logger } = this.#ctx;
    await (this.#adopted = this.#queue.run(async () => {
      try {
        this.#desired = await adoptRunning(this.#ctx, { serving: this.#serving, signal });
      } catch (error) {
        if (!signal.aborted) {
          logger.error("Cannot look for running containers to adopt", {
            error: errorMessage(error),
          });
        }
      }
    }));
    if (signal.aborted) return;
    this.#background.push(
      watchContainerExits({
        engine: this.#ctx.engine,
        app: this.#ctx.config.app,
        onGone: (id, action) => this.#onGone(id, action),
        clock: this.#ctx.clock,
        logger,
        signal,
      }),
      this.#scheduler.loop(),
    );
  }

  /**
   * Run a check now (`POST /api/deploy`). When one is running, one more runs right after it
   * (requests arriving meanwhile share it); never two at once.
   */
  checkNow(): Promise<CheckResult> {
    return this.#scheduler.checkNow();
  }

  /** Resolves when no check, deploy or heal is running or queued. */
  async settled(): Promise<void> {
    do {
      await this.#scheduler.idle();
      await this.#queue.settled();
    } while (this.#scheduler.busy);
  }

  /** The state for `GET /api/status`. */
  status(): DeployStatus {
    let proxyBackends = 0;
    for (const proxy of new Set(this.#ctx.proxies.values())) proxyBackends += proxy.pool.size;
    return {
      app: this.#ctx.config.app,
      currentVersion: this.#desired?.version ?? "",
      currentDigest: this.#desired?.digest ?? "",
      proxyBackends,
      replicas: this.#serving.inRotation,
      busy: this.#scheduler.busy,
    };
  }

  /** The running managed containers for `GET /api/containers`. Rejects when the engine fails. */
  containers(signal?: AbortSignal): Promise<ContainerInfo[]> {
    const { engine, config } = this.#ctx;
    return listContainerInfo({ engine, app: config.app, ports: config.ports, signal });
  }

  /**
   * Start no new check, deploy or heal from now on (the first step of shutdown, before the
   * proxies drain); one already running goes on until {@link shutdown} aborts it.
   */
  stopChecks(): void {
    this.#checks.abort(new Error("dewy is shutting down"));
  }

  /**
   * Stop the loop and the event stream, abort an in-flight deploy (its new replicas are
   * rolled back), take every replica out of rotation, stop and remove every managed container
   * of the app, and notify ``Stop receiving by `<signal>` signal``. The caller closes the proxy
   * listeners (and drains them) first. Without `signal`, start-up failed: no stop message (the
   * error was reported). `leaveRunning` (a start-up that failed): the replicas that were
   * already running stay for the next dewy to adopt; only new ones are rolled back.
   * Resolves with false when managed containers may be left behind (they could not be listed
   * or removed; the log says what to run by hand).
   */
  async shutdown(
    signal: StopSignal | undefined,
    options: { leaveRunning?: boolean } = {},
  ): Promise<boolean> {
    if (this.#stop.signal.aborted) return true;
    const { logger, config } = this.#ctx;
    const reason = signal ?? "start-up failed";
    logger.info("Shutting down deploy manager", signal ? { signal } : { reason });
    this.stopChecks();
    this.#stop.abort(new Error(`dewy is shutting down (${reason})`));
    await Promise.all(this.#background);
    await this.settled();
    let clean = true;
    if (options.leaveRunning) {
      const count = this.#serving.forget();
      logger.info("Running replicas left for the next dewy to adopt", { count });
    } else {
      await this.#serving.retireAll(config.rollout.drainMs);
      const { removed, left } = await removeAllManaged(this.#ctx);
      if (left === 0) logger.info("Managed containers removed", { count: removed });
      else {
        logger.error("Managed containers may be left behind", {
          removed,
          left: left ?? "unknown (they could not be listed)",
        });
      }
      clean = left === 0;
    }
    // Queued, not awaited: deliveries go one at a time, so awaiting this one would wait for
    // every delivery before it as well; settled() bounds the whole wait instead.
    if (signal) void this.#notifier?.send(stoppedMessage(signal));
    if (this.#notifier && !(await this.#notifier.settled(this.#notifyTimeoutMs))) {
      logger.warn("Notifications still pending at shutdown were dropped", {
        waited_ms: this.#notifyTimeoutMs,
      });
    }
    return clean;
  }

  /**
   * One check. Pulling a new version and its before-deploy hook run outside the queue, so a
   * heal of the running version never waits behind them; the rollout itself runs in it.
   */
  async #runCheck(): Promise<CheckResult> {
    const { logger } = this.#ctx;
    const signal = this.#stop.signal;
    await this.#adopted; // what runs is known only once adoption is done
    if (this.#checks.signal.aborted) return { outcome: "stopped" };
    const pausedUntil = this.#policy.pausedUntil();
    if (pausedUntil !== undefined) {
      await this.#keepServing(signal);
      return { outcome: "rate-limited", retryAt: pausedUntil };
    }
    let latest: LatestImage;
    try {
      latest = await this.#registry.latest(signal);
    } catch (error) {
      if (signal.aborted) return { outcome: "stopped" };
      const failed = this.#checkFailed(error);
      await this.#keepServing(signal);
      return failed;
    }
    logger.debug("Found latest image", { tag: latest.tag, digest: latest.digest });
    const target = { version: latest.tag, digest: latest.digest, image: latest.pinnedReference };
    const refused = this.#policy.decide(target);
    if (refused) {
      await this.#keepServing(signal);
      return refused;
    }
    let prepared: readonly ResolvedPort[] | undefined;
    if (this.#desired?.digest !== target.digest) {
      try {
        prepared = await this.#prepare("deploy", target);
      } catch (error) {
        // An engine that cannot be reached fails the check, not the version.
        const engineAway = error instanceof EngineUnreachableError && !signal.aborted;
        return engineAway ? this.#checkFailed(error) : this.#failed("deploy", target, error);
      }
    }
    const result = await this.#queue.run(async (): Promise<CheckResult> => {
      let strays: ContainerSummary[];
      try {
        strays = await this.#syncWithEngine(signal);
      } catch (error) {
        return signal.aborted ? { outcome: "stopped" } : this.#checkFailed(error);
      }
      return this.#apply(target, { strays, prepared });
    });
    const outcome = result.outcome;
    // A deploy ended the streak already, before its message (see #rollout).
    if (outcome === "up-to-date" || outcome === "healed") this.#policy.checkSucceeded();
    if (outcome === "deployed") {
      await this.#hook("after", target);
      const repository = `${latest.registry}/${latest.repository}`;
      await this.#queue.run(() => pruneImages(this.#ctx, repository, this.#serving));
    }
    return result;
  }

  /**
   * Restore missing replicas of the running version when the newest one cannot be deployed
   * now (registry failing or rate-limited, newest version backed off).
   */
  async #keepServing(signal: AbortSignal): Promise<void> {
    const desired = this.#desired;
    if (!desired || signal.aborted) return;
    const { config, logger } = this.#ctx;
    const replicas = { serving: this.#serving.size, wanted: config.rollout.replicas };
    if (!this.#policy.mayHeal(desired, replicas)) return;
    await this.#queue.run(async () => {
      try {
        await this.#syncWithEngine(signal);
      } catch (error) {
        logger.debug("Cannot list the app's containers", { error: errorMessage(error) });
        return;
      }
      await this.#apply(desired, { strays: [] });
    });
  }

  /** Drop replicas the engine no longer runs; return running managed containers not tracked. */
  async #syncWithEngine(signal: AbortSignal): Promise<ContainerSummary[]> {
    const running = await this.#ctx.engine.listContainers(appFilter(this.#ctx.config.app), {
      signal,
    });
    const ids = new Set(running.map((c) => c.id));
    for (const replica of [...this.#serving]) {
      if (!ids.has(replica.id)) this.#serving.lose(replica, "not running");
    }
    const tracked = new Set([...this.#serving].map((r) => r.id));
    return running.filter((c) => !tracked.has(c.id));
  }

  /** A registry or engine failure: the policy reports it (and pauses on a 429). */
  #checkFailed(error: unknown): CheckResult {
    return this.#policy.checkFailed(error, this.#serving.size > 0);
  }

  /**
   * Make what serves match `target`: deploy it, heal it, or do nothing. `prepared`: the ports
   * of a deploy whose image and before-deploy hook are done. Never rejects.
   */
  async #apply(
    target: DeployTarget,
    options: { strays: ContainerSummary[]; prepared?: readonly ResolvedPort[] },
  ): Promise<CheckResult> {
    if (this.#checks.signal.aborted) return { outcome: "stopped", version: target.version };
    const plan = planRollout(this.#serving, target, this.#ctx.config.rollout.replicas);
    if (!plan) {
      this.#ctx.logger.debug("Nothing to deploy: the version runs on every replica", {
        version: target.version,
      });
      return { outcome: "up-to-date", version: target.version };
    }
    const kind: RolloutKind = this.#desired?.digest === target.digest ? "heal" : "deploy";
    try {
      const ports = options.prepared ?? await this.#prepare(kind, target);
      await this.#rollout(kind, target, plan, { ports, strays: options.strays });
      this.#policy.deploySucceeded(target);
      return { outcome: kind === "deploy" ? "deployed" : "healed", version: target.version };
    } catch (error) {
      return this.#failed(kind, target, error);
    }
  }

  /** A deploy or heal of `target` failed: back-off, log, notify. */
  #failed(kind: RolloutKind, target: DeployTarget, error: unknown): CheckResult {
    if (this.#checks.signal.aborted) return { outcome: "stopped", version: target.version };
    const { logger, observer } = this.#ctx;
    if (kind === "deploy") observer?.deploymentFailed();
    // A rollout that failed only because the engine was away fails the check (reported once
    // per streak) and is tried again at the next tick: the version is not at fault.
    if (error instanceof EngineUnreachableError) {
      return { ...this.#checkFailed(error), version: target.version };
    }
    const retryAt = this.#policy.deployFailed(target);
    logger.error(
      kind === "deploy" ? "Container deployment failed" : "Replacing replicas failed",
      {
        version: target.version,
        error: errorMessage(error),
        retry_at: new Date(retryAt).toISOString(),
      },
    );
    void this.#notifier?.sendError(error);
    return { outcome: "failed", version: target.version, error, retryAt };
  }

  /**
   * Get `target`'s image onto the engine and resolve its ports; for a deploy, also run the
   * before-deploy hook. Returns the port mappings.
   */
  async #prepare(kind: RolloutKind, target: DeployTarget): Promise<readonly ResolvedPort[]> {
    const ctx = this.#ctx;
    const image = await ensureImage({
      engine: ctx.engine,
      image: target.image,
      version: target.version,
      auth: this.#registry.pullAuth(),
      logger: ctx.logger,
      clock: ctx.clock,
      signal: this.#stop.signal,
    });
    if (image.pulled) void this.#notifier?.send(pulledMessage(target.version));
    const ports = resolvePorts(ctx.config.ports, target.image, image.exposedTcpPorts);
    if (kind === "deploy") {
      ctx.logger.info("Starting container deployment", {
        version: target.version,
        replicas: ctx.config.rollout.replicas,
      });
      await this.#hook("before", target);
    }
    return ports;
  }

  /** Start the replicas of `plan`, retire the rest; a deploy is then reported and notified. */
  async #rollout(
    kind: RolloutKind,
    target: DeployTarget,
    plan: RolloutPlan,
    options: { ports: readonly ResolvedPort[]; strays: ContainerSummary[] },
  ): Promise<void> {
    const ctx = this.#ctx;
    const replicas = ctx.config.rollout.replicas;
    if (kind === "heal") {
      ctx.logger.info("Replacing missing replicas", {
        version: target.version,
        replicas: plan.start.join(","),
      });
    }
    const startedAt = ctx.clock.now();
    const started = await rollout(ctx, plan, {
      ports: options.ports,
      serving: this.#serving,
      strays: options.strays,
      signal: this.#stop.signal,
    });
    this.#desired = target;
    if (kind === "heal") return;
    await reapExited(ctx);
    ctx.observer?.deploymentSucceeded((ctx.clock.now() - startedAt) / 1000);
    ctx.logger.info("Container deployed successfully", {
      version: target.version,
      replicas: started.length,
      total: replicas,
    });
    // A deploy that worked resolves the errors before it (say of a version that kept failing),
    // so its message is not muted by their count.
    this.#policy.checkSucceeded();
    void this.#notifier?.sendImportant(
      deployedMessage({ started: started.length, total: replicas, tag: target.version }),
    );
  }

  /** Run a deploy hook; a failed before-deploy hook throws {@link HookFailedError}. */
  async #hook(which: "before" | "after", target: DeployTarget): Promise<void> {
    const { config, logger } = this.#ctx;
    const command = which === "before" ? config.hooks.beforeDeploy : config.hooks.afterDeploy;
    if (!command) return;
    const signal = this.#stop.signal;
    if (this.#checks.signal.aborted) {
      // A hook started now would be killed at once (and reported as failed).
      logger.warn("Deploy hook skipped: dewy is shutting down", { hook: which, command });
      if (which === "before") this.#checks.signal.throwIfAborted();
      return;
    }
    const result = await this.#runHook({
      command,
      context: { app: config.app, version: target.version, image: target.image },
      logger,
      signal,
    });
    void this.#notifier?.hookResult(which === "before" ? "Before Deploy" : "After Deploy", result);
    if (which === "before" && !hookSucceeded(result)) {
      throw new HookFailedError(command, result.exitCode, result.timedOut);
    }
  }

  /** A replica died or was removed behind dewy's back: out of rotation now, replaced soon. */
  #onGone(id: string, action: string): void {
    const replica = this.#serving.find(id);
    if (!replica || this.#stop.signal.aborted) return;
    this.#serving.lose(replica, action);
    if (this.#checks.signal.aborted) return; // shutting down: nothing is replaced any more
    this.#queue.run(async () => {
      await discardLost(this.#ctx, replica);
      const desired = this.#desired;
      if (!desired || this.#checks.signal.aborted) return;
      if (!this.#policy.mayHeal(desired)) return;
      await this.#apply(desired, { strays: [] });
    }).catch((error) => {
      this.#ctx.logger.error("Unexpected deploy manager failure", { error: errorMessage(error) });
    });
  }
}
