/**
 * The deploy manager: builds the deploy parts (replica set, policy, recorder, deployer, check
 * runner, scheduler) and runs their lifecycle: adoption and the check loop at start-up,
 * self-healing from engine events, the state the admin API shows, and shutdown.
 *
 * @module
 */
import type { DeploySettings } from "../config.ts";
import type { Engine } from "../engine/types.ts";
import type { ImageRegistry } from "../registry/types.ts";
import type { DeployControl } from "../control/control.ts";
import type { ResumableMode } from "../control/actions.ts";
import type { DeployTrigger, VersionRef } from "../control/types.ts";
import { errorMessage, oneLine } from "../errors.ts";
import { type Notifier, NOTIFY_TIMEOUT_MS } from "../notify/types.ts";
import { stoppedMessage, type StopSignal } from "../notify/messages.ts";
import type { BackendPool } from "../proxy/pool.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { HookRunner } from "../hooks/run.ts";
import { Leftovers } from "./leftovers.ts";
import { type Clock, realClock } from "./clock.ts";
import type { FailureBackoffOptions } from "./backoff.ts";
import { CheckRunner } from "./checks.ts";
import { Deployer } from "./deployer.ts";
import { watchContainerExits } from "./events.ts";
import { listContainerInfo } from "./info.ts";
import { DeployPolicy } from "./policy.ts";
import { DeployRecorder } from "./recorder.ts";
import type { DeployContext } from "./replica.ts";
import { ReplicaSet } from "./replica-set.ts";
import { CheckScheduler } from "./scheduler.ts";
import { removeAllManaged } from "./shutdown.ts";
import type {
  CheckResult,
  ContainerInfo,
  DeployGate,
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
  /** Operator control (pause, pin, history); omit for none. */
  control?: DeployControl;
  /** With `--verify-key`: only digests a key signed are deployed (`createSignatureGate`). */
  signatures?: DeployGate;
}

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
export class DeployManager implements ResumableMode {
  #ctx: DeployContext;
  #registry: ImageRegistry;
  #lastCheck: DeployStatus["lastCheck"];
  #lastError: DeployStatus["lastError"];
  #notifier: Notifier | undefined;
  #serving: ReplicaSet;
  #runner: CheckRunner;
  #scheduler: CheckScheduler;
  #stop = new AbortController();
  /** Aborted first at shutdown: no new check, deploy or heal starts. */
  #closing = new AbortController();
  #started = false;
  #background: Promise<void>[] = [];
  #notifyTimeoutMs: number;
  #signatures: DeployGate | undefined;

  /** @param options deploy settings, engine, registry, proxies and collaborators */
  constructor(options: DeployManagerOptions) {
    const ctx: DeployContext = this.#ctx = {
      config: options.settings,
      engine: options.engine,
      proxies: options.proxies,
      logger: options.logger ?? silentLogger,
      clock: options.clock ?? realClock,
      probeTcp: options.probeTcp,
      observer: options.observer,
      user: options.user,
    };
    ctx.leftovers = new Leftovers(ctx);
    const { notifier } = options;
    this.#notifier = notifier;
    this.#notifyTimeoutMs = options.notifyTimeoutMs ?? NOTIFY_TIMEOUT_MS;
    const signatures = this.#signatures = options.signatures;
    const signals = { stop: this.#stop.signal, closing: this.#closing.signal };
    const serving = this.#serving = new ReplicaSet(ctx);
    const policy = new DeployPolicy({
      logger: ctx.logger,
      clock: ctx.clock,
      notifier,
      backoff: options.backoff,
      defaultPauseMs: options.settings.poll.intervalMs,
    });
    this.#registry = options.registry;
    const { control } = options;
    const recorder = new DeployRecorder({
      ctx,
      policy,
      serving,
      notifier,
      ...signals,
      history: control,
    });
    const deployer = new Deployer({
      ctx,
      serving,
      recorder,
      registry: options.registry,
      runHook: options.runHook,
      notifier,
      ...signals,
    });
    this.#runner = new CheckRunner({
      ctx,
      registry: options.registry,
      serving,
      policy,
      deployer,
      recorder,
      signatures,
      ...signals,
      control,
    });
    this.#scheduler = new CheckScheduler({
      check: async (trigger) => this.#noted(await this.#runner.check(trigger), true),
      intervalMs: options.settings.poll.intervalMs,
      clock: ctx.clock,
      logger: ctx.logger,
      signal: this.#closing.signal,
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
    await this.#runner.adopt();
    if (signal.aborted) return;
    this.#background.push(
      watchContainerExits({
        engine: this.#ctx.engine,
        app: this.#ctx.config.app,
        onGone: (id, action) => this.#runner.replaceLost(id, action),
        clock: this.#ctx.clock,
        logger: this.#ctx.logger,
        signal,
      }),
      this.#scheduler.loop(),
      this.#ctx.leftovers!.loop(signal),
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
      await this.#runner.settled();
    } while (this.#scheduler.busy);
  }

  /** The state for `GET /api/status`. */
  status(): DeployStatus {
    let proxyBackends = 0;
    for (const proxy of new Set(this.#ctx.proxies.values())) proxyBackends += proxy.pool.size;
    return {
      app: this.#ctx.config.app,
      currentVersion: this.#serving.version?.version ?? "",
      currentDigest: this.#serving.version?.digest ?? "",
      proxyBackends,
      replicas: this.#serving.inRotation,
      busy: this.#scheduler.busy,
      lastCheck: this.#lastCheck,
      lastError: this.#lastError,
      nextCheckAt: this.#scheduler.nextTickAt,
      ...(this.#signatures && {
        verification: this.#signatures.status(this.#serving.version?.digest),
      }),
    };
  }

  /** What serves now (tag, digest, reference); `undefined` before the first deploy. */
  serving(): VersionRef | undefined {
    return this.#serving.version;
  }

  /** The digest and reference of tag `version`; rejects with `RegistryNotFoundError` when missing. */
  async resolve(version: string, signal?: AbortSignal): Promise<VersionRef> {
    const image = await this.#registry.resolve(version, signal);
    return { version: image.tag, digest: image.digest, image: image.pinnedReference };
  }

  /**
   * Roll `target` out like any deploy (pull, before-deploy hook, rolling, health-gated), then
   * run `then` before any other deploy starts. Rejects with the failure when it did not
   * deploy (the running version kept serving).
   */
  async rollout(
    target: VersionRef,
    trigger: DeployTrigger,
    then: () => Promise<void>,
  ): Promise<void> {
    const result = this.#noted(await this.#runner.deploy(target, trigger, then), false);
    if (["failed", "stopped", "refused"].includes(result.outcome)) {
      throw result.error ?? new Error(`deploy of ${target.version} stopped: dewy is shutting down`);
    }
  }

  /** Remember a finished check (`check`) or deploy for the status: when, its outcome, its error. */
  #noted(result: CheckResult, check: boolean): CheckResult {
    const at = this.#ctx.clock.now();
    if (check) this.#lastCheck = { at, outcome: result.outcome, version: result.version };
    if (result.error !== undefined) {
      this.#lastError = { at, message: oneLine(errorMessage(result.error)) };
    }
    return result;
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
    this.#closing.abort(new Error("dewy is shutting down"));
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
}
