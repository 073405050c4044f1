/**
 * The service manager of `dewy service`: the check loop (registry → decide → Swarm update),
 * what runs (the service's image, whoever put it there), operator control (pause, pin,
 * rollback, history), and the state the admin API shows.
 *
 * @module
 */
import type { SwarmEngine, SwarmService } from "../engine/swarm-types.ts";
import type { ImageRegistry } from "../registry/types.ts";
import type { Notifier } from "../notify/types.ts";
import { stoppedMessage, type StopSignal } from "../notify/messages.ts";
import { type Logger, silentLogger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import { NOTIFY_TIMEOUT_MS } from "../notify/types.ts";
import { type Clock, realClock } from "../deploy/clock.ts";
import type { FailureBackoffOptions } from "../deploy/backoff.ts";
import { DeployPolicy } from "../deploy/policy.ts";
import { CheckScheduler, SerialQueue } from "../deploy/scheduler.ts";
import type { CheckResult, DeployGate } from "../deploy/types.ts";
import type { DeployControl } from "../control/control.ts";
import type { ControlledMode } from "../control/rollback.ts";
import type { DeployTrigger, VersionRef } from "../control/types.ts";
import type { HookRunner } from "../hooks/run.ts";
import type { ServiceStatus, TaskInfo } from "../admin/types.ts";
import type { ServiceSettings } from "./config.ts";
import { type DeployRecords, deployVersion, refusedBy } from "./deploy.ts";
import { taskProgress } from "./follow.ts";
import type { ServiceRolloutContext, ServiceTarget } from "./rollout.ts";
import { desiredReplicas, imageVersion, serviceImage, specImage } from "./spec.ts";
import { listTaskInfo } from "./tasks.ts";
import type { ServiceObserver } from "./types.ts";

/** Options of {@link ServiceManager}. */
export interface ServiceManagerOptions {
  /** The service, its image, polling, update window and hooks (not the whole config). */
  config: ServiceSettings;
  swarm: SwarmEngine;
  registry: ImageRegistry;
  /** The service as read at start-up (its image is the running version). */
  service: SwarmService;
  logger?: Logger;
  clock?: Clock;
  /** Telemetry; omit when off. */
  observer?: ServiceObserver;
  notifier?: Notifier;
  /** Runs the deploy hooks (`hookRunner(runtime)`). */
  runHook: HookRunner;
  /** Back-off of versions whose update could not be made (engine refused, hook failed). */
  backoff?: FailureBackoffOptions;
  /** Gap between polls of an update (default `SERVICE_UPDATE_POLL_MS`). */
  pollMs?: number;
  /** How long shutdown waits for notifications still queued (default {@link NOTIFY_TIMEOUT_MS}). */
  notifyTimeoutMs?: number;
  /** Pause, pin and deploy history; omit for none. */
  control?: DeployControl;
  /** With `--verify-key`: only digests a key signed are deployed (`createSignatureGate`). */
  signatures?: DeployGate;
}

/**
 * Keeps a Swarm service on the newest version of its registry. Swarm rolls each update out
 * and back; dewy chooses the version, starts the update, follows it and reports it.
 *
 * @example
 * ```ts
 * const manager = new ServiceManager({ config, swarm, registry, service, logger });
 * manager.start();                 // first check now, then every --interval
 * await manager.shutdown("SIGTERM");
 * ```
 */
export class ServiceManager implements ControlledMode {
  #ctx: ServiceRolloutContext;
  #registry: ImageRegistry;
  #control: DeployControl | undefined;
  #signatures: DeployGate | undefined;
  #serviceId: string;
  #running: ServiceTarget;
  #records: DeployRecords;
  #policy: DeployPolicy;
  #scheduler: CheckScheduler;
  /** Checks and rollbacks, one at a time. */
  #queue = new SerialQueue();
  #stop = new AbortController();
  #checks = new AbortController();
  #tasks: { running: number; desired: number | undefined };
  #loop: Promise<void> | undefined;
  #notifyTimeoutMs: number;
  /** What started the next check: `api` after {@link checkNow}, else the schedule. */
  #nextTrigger: DeployTrigger = "poll";
  #lastCheck: ServiceStatus["lastCheck"];
  #lastError: ServiceStatus["lastError"];

  /** @param options configuration, Swarm engine, registry, the service and collaborators */
  constructor(options: ServiceManagerOptions) {
    const logger = options.logger ?? silentLogger;
    this.#ctx = {
      config: options.config,
      swarm: options.swarm,
      registry: options.registry,
      logger,
      clock: options.clock ?? realClock,
      notifier: options.notifier,
      runHook: options.runHook,
      onTasks: (running, desired) => this.#setTasks(running, desired),
      pollMs: options.pollMs,
    };
    this.#registry = options.registry;
    this.#control = options.control;
    this.#signatures = options.signatures;
    this.#serviceId = options.service.id;
    this.#running = runningOf(options.service);
    this.#tasks = { running: 0, desired: desiredReplicas(options.service.spec) };
    this.#notifyTimeoutMs = options.notifyTimeoutMs ?? NOTIFY_TIMEOUT_MS;
    this.#policy = new DeployPolicy({
      logger,
      clock: this.#ctx.clock,
      notifier: options.notifier,
      backoff: options.backoff,
      defaultPauseMs: options.config.poll.intervalMs,
    });
    this.#records = {
      ctx: this.#ctx,
      policy: this.#policy,
      rejected: new Set(),
      observer: options.observer,
      control: options.control,
      tasks: () => this.#tasks,
      signal: this.#stop.signal,
    };
    this.#scheduler = new CheckScheduler({
      check: () => this.#queue.run(() => this.#check()),
      intervalMs: options.config.poll.intervalMs,
      clock: this.#ctx.clock,
      logger,
      signal: this.#checks.signal,
    });
  }

  /** Run the first check now (in the background) and one every `--interval`. */
  start(): void {
    this.#loop ??= this.#scheduler.loop();
  }

  /** Run a check now (`POST /api/deploy`, `resume`); never two at once. */
  checkNow(): Promise<CheckResult> {
    this.#nextTrigger = "api";
    return this.#scheduler.checkNow();
  }

  /** Resolves when no check, update or rollback is running. */
  async settled(): Promise<void> {
    await this.#scheduler.idle();
    await this.#queue.settled();
  }

  /** The state for `GET /api/status`. */
  status(): ServiceStatus {
    return {
      app: this.#ctx.config.service,
      service: this.#ctx.config.service,
      currentVersion: this.#running.version,
      currentDigest: this.#running.digest,
      proxyBackends: 0,
      replicas: this.#tasks.running,
      desiredReplicas: this.#tasks.desired,
      busy: this.#scheduler.busy,
      lastCheck: this.#lastCheck,
      lastError: this.#lastError,
      ...(this.#signatures && { verification: this.#signatures.status(this.#running.digest) }),
    };
  }

  /** The service's tasks for `GET /api/containers`. Rejects when the engine fails. */
  containers(signal?: AbortSignal): Promise<TaskInfo[]> {
    return listTaskInfo(this.#ctx.swarm, this.#serviceId, signal);
  }

  /** Replicas the service wants now (`dewy.container.desired_replicas`). */
  desiredReplicas(): number | undefined {
    return this.#tasks.desired;
  }

  /** {@inheritDoc ControlledMode.serving} */
  serving(): VersionRef | undefined {
    return this.#running.digest ? { ...this.#running } : undefined;
  }

  /** {@inheritDoc ControlledMode.resolve} (the service runs `REPO:TAG@sha256:…`). */
  async resolve(version: string, signal?: AbortSignal): Promise<VersionRef> {
    const found = await this.#registry.resolve(version, signal);
    return { version: found.tag, digest: found.digest, image: serviceImage(found) };
  }

  /**
   * {@inheritDoc ControlledMode.rollout}: a Swarm update to `target`'s digest, followed to its
   * end like any other; `then` (the pin) runs before any check may start.
   */
  rollout(target: VersionRef, trigger: DeployTrigger, then: () => Promise<void>): Promise<void> {
    return this.#queue.run(async () => {
      const service = await this.#readService(this.#stop.signal);
      // Already what the service runs: an update would change nothing (and never end).
      if (target.digest === this.#running.digest) return await then();
      const refused = await refusedBy(this.#records, this.#signatures, target);
      if (refused) throw refused.error ?? new Error(`rollback to ${target.version}: refused`);
      const result = await this.#deploy(target, service, trigger);
      if (result.outcome !== "deployed") {
        throw result.error ?? new Error(`rollback to ${target.version}: ${result.outcome}`);
      }
      await then();
    });
  }

  /** Start no new check from now on (the first step of shutdown). */
  stopChecks(): void {
    this.#checks.abort(new Error("dewy is shutting down"));
  }

  /**
   * Stop the loop and stop following an update in flight (Swarm carries it on by itself;
   * the service and its tasks are never touched at shutdown), then notify the stop.
   */
  async shutdown(signal: StopSignal | undefined): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const { logger } = this.#ctx;
    logger.info("Shutting down service manager", signal ? { signal } : {});
    this.stopChecks();
    this.#stop.abort(new Error("dewy is shutting down"));
    await this.#loop;
    await this.settled();
    if (signal) void this.#ctx.notifier?.send(stoppedMessage(signal));
    const notifier = this.#ctx.notifier;
    if (notifier && !(await notifier.settled(this.#notifyTimeoutMs))) {
      logger.warn("Notifications still pending at shutdown were dropped", {
        waited_ms: this.#notifyTimeoutMs,
      });
    }
  }

  /** One check, remembered for `/api/status`. */
  async #check(): Promise<CheckResult> {
    const trigger = this.#nextTrigger;
    this.#nextTrigger = "poll";
    const result = await this.#decide(trigger);
    const at = this.#ctx.clock.now();
    this.#lastCheck = { at, outcome: result.outcome, version: result.version };
    if (result.error !== undefined) this.#lastError = { at, message: errorMessage(result.error) };
    return result;
  }

  /** Newest version, what the service runs, and an update when they differ and may. */
  async #decide(trigger: DeployTrigger): Promise<CheckResult> {
    const { logger } = this.#ctx;
    const signal = this.#stop.signal;
    if (this.#checks.signal.aborted) return { outcome: "stopped" };
    const pausedUntil = this.#policy.pausedUntil();
    if (pausedUntil !== undefined) return { outcome: "rate-limited", retryAt: pausedUntil };
    let service: SwarmService;
    let latest;
    try {
      latest = await this.#registry.latest(signal);
      service = await this.#readService(signal);
    } catch (error) {
      return signal.aborted ? { outcome: "stopped" } : this.#policy.checkFailed(error, true);
    }
    const target = { version: latest.tag, digest: latest.digest, image: serviceImage(latest) };
    const pause = this.#control?.pauseState;
    if (pause) {
      const pinned = pause.kind === "pin" ? pause.target : undefined;
      // A pin outlives a restart and someone else's update: the pinned version comes back.
      if (pinned && pinned.digest !== this.#running.digest) {
        return await this.#deploy(pinned, service, "rollback");
      }
      if (target.digest !== this.#running.digest) this.#control?.skipped(target);
      this.#policy.checkSucceeded();
      return { outcome: "paused", version: target.version };
    }
    if (this.#running.digest === target.digest) {
      await this.#signatures?.auditRunning({
        tag: latest.tag,
        digest: latest.digest,
        tags: latest.tags,
      }, signal).catch(
        (error) =>
          logger.debug("Cannot verify the running version now", { error: errorMessage(error) }),
      );
      this.#policy.checkSucceeded();
      logger.debug("Nothing to deploy: the service runs the newest version", target);
      return { outcome: "up-to-date", version: target.version };
    }
    if (this.#records.rejected.has(target.digest)) {
      logger.debug("Newest version not tried again: its update failed", target);
      return { outcome: "backoff", version: target.version };
    }
    return this.#policy.decide(target) ??
      await refusedBy(this.#records, this.#signatures, { ...target, tags: latest.tags }) ??
      await this.#deploy(target, service, trigger);
  }

  /** Update the service to `target`; what runs is `target` once Swarm completed it. */
  async #deploy(
    target: ServiceTarget,
    service: SwarmService,
    trigger: DeployTrigger,
  ): Promise<CheckResult> {
    const result = await deployVersion(this.#records, target, service, trigger);
    if (result.outcome === "deployed") this.#running = { ...target };
    return result;
  }

  /** Read the service, take its image as what runs, count its tasks. */
  async #readService(signal: AbortSignal): Promise<SwarmService> {
    const { swarm, config, logger } = this.#ctx;
    const service = await swarm.inspectService(this.#serviceId, signal);
    if (!service) {
      throw new Error(`service ${config.service} was removed: dewy service does not recreate it`);
    }
    const running = runningOf(service);
    if (running.digest !== this.#running.digest) {
      logger.info("The service runs an image dewy did not deploy", {
        service: config.service,
        image: running.image,
      });
      this.#running = running;
    }
    const { running: tasks } = taskProgress(await swarm.listTasks(service.id, signal), "");
    this.#setTasks(tasks, desiredReplicas(service.spec));
    return service;
  }

  #setTasks(running: number, desired: number | undefined): void {
    const delta = running - this.#tasks.running;
    this.#tasks = { running, desired };
    if (delta !== 0) this.#records.observer?.replicasChanged(delta);
  }
}

/** What a service runs: the tag and digest of its spec's image. */
function runningOf(service: SwarmService): ServiceTarget {
  const image = specImage(service.spec);
  return { ...imageVersion(image), image };
}
