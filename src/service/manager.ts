/**
 * The service manager of `dewy service`: the check loop (registry → decide → Swarm update),
 * what runs (the service's image, whoever put it there), the versions not to try again, the
 * telemetry of each update, and the state the admin API shows.
 *
 * @module
 */
import type { SwarmEngine, SwarmService } from "../engine/swarm-types.ts";
import { EngineUnreachableError } from "../engine/errors.ts";
import type { ImageRegistry } from "../registry/types.ts";
import type { Notifier } from "../notify/types.ts";
import { serviceUpdatedMessage, stoppedMessage, type StopSignal } from "../notify/messages.ts";
import { type Logger, silentLogger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import { NOTIFY_TIMEOUT_MS } from "../notify/types.ts";
import { type Clock, realClock } from "../deploy/clock.ts";
import type { FailureBackoffOptions } from "../deploy/backoff.ts";
import { DeployPolicy } from "../deploy/policy.ts";
import type { HookRunner } from "../hooks/run.ts";
import { CheckScheduler } from "../deploy/scheduler.ts";
import type { CheckResult } from "../deploy/types.ts";
import type { ServiceConfig } from "./config.ts";
import { ServiceUpdateFailedError } from "./errors.ts";
import { taskProgress } from "./follow.ts";
import {
  rollOutService,
  serviceHook,
  type ServiceRolloutContext,
  type ServiceTarget,
} from "./rollout.ts";
import { desiredReplicas, imageVersion, serviceImage, specImage } from "./spec.ts";
import { listTaskInfo } from "./tasks.ts";
import type { ServiceStatus, TaskInfo } from "../admin/types.ts";
import type { ServiceObserver } from "./types.ts";

/** Options of {@link ServiceManager}. */
export interface ServiceManagerOptions {
  config: ServiceConfig;
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
export class ServiceManager {
  #ctx: ServiceRolloutContext;
  #registry: ImageRegistry;
  #observer: ServiceObserver | undefined;
  #serviceId: string;
  #running: ServiceTarget;
  /** Digests Swarm rolled back or whose update paused: never tried again. */
  #rejected = new Set<string>();
  /** Rate-limit pause, back-off of versions whose update could not be made, failure streak. */
  #policy: DeployPolicy;
  #scheduler: CheckScheduler;
  #stop = new AbortController();
  #checks = new AbortController();
  #tasks: { running: number; desired: number | undefined };
  #loop: Promise<void> | undefined;
  #notifyTimeoutMs: number;

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
    this.#observer = options.observer;
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
    this.#scheduler = new CheckScheduler({
      check: () => this.#runCheck(),
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

  /** Run a check now (`POST /api/deploy`); never two at once. */
  checkNow(): Promise<CheckResult> {
    return this.#scheduler.checkNow();
  }

  /** Resolves when no check or update is running. */
  settled(): Promise<void> {
    return this.#scheduler.idle();
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

  /** One check: newest version, what the service runs, and an update when they differ. */
  async #runCheck(): Promise<CheckResult> {
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
    if (this.#running.digest === target.digest) {
      this.#policy.checkSucceeded();
      logger.debug("Nothing to deploy: the service runs the newest version", target);
      return { outcome: "up-to-date", version: target.version };
    }
    if (this.#rejected.has(target.digest)) {
      logger.debug("Newest version not tried again: its update failed", target);
      return { outcome: "backoff", version: target.version };
    }
    const held = this.#policy.decide(target);
    if (held) return held;
    let seconds: number;
    try {
      seconds = await rollOutService(this.#ctx, target, service, signal);
    } catch (error) {
      return this.#failed(target, error);
    }
    return await this.#deployed(target, seconds);
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

  /** An update completed: record it, report it, run the after-deploy hook. */
  async #deployed(target: ServiceTarget, seconds: number): Promise<CheckResult> {
    const { config, logger, notifier } = this.#ctx;
    this.#running = target;
    this.#policy.deploySucceeded(target);
    this.#observer?.deploymentSucceeded(seconds);
    const { running, desired } = this.#tasks;
    logger.info("Service updated successfully", {
      service: config.service,
      version: target.version,
      tasks: `${running}/${desired ?? running}`,
      seconds,
    });
    this.#policy.checkSucceeded();
    void notifier?.sendImportant(
      serviceUpdatedMessage({ service: config.service, tag: target.version, running, desired }),
    );
    await serviceHook(this.#ctx, "after", target, this.#stop.signal);
    return { outcome: "deployed", version: target.version };
  }

  /** An update of `target` failed: never again (Swarm refused it) or after a back-off. */
  #failed(target: ServiceTarget, error: unknown): CheckResult {
    const { logger, config } = this.#ctx;
    if (this.#stop.signal.aborted) return { outcome: "stopped", version: target.version };
    this.#observer?.deploymentFailed();
    if (error instanceof EngineUnreachableError) {
      return { ...this.#policy.checkFailed(error, true), version: target.version };
    }
    let retryAt: number | undefined;
    if (error instanceof ServiceUpdateFailedError) this.#rejected.add(target.digest);
    else retryAt = this.#policy.deployFailed(target);
    logger.error("Service update failed", {
      service: config.service,
      version: target.version,
      digest: target.digest,
      error: errorMessage(error),
      retry_at: retryAt === undefined
        ? "never (until its digest changes)"
        : new Date(retryAt).toISOString(),
    });
    void this.#ctx.notifier?.sendError(error);
    return { outcome: "failed", version: target.version, error, retryAt };
  }

  #setTasks(running: number, desired: number | undefined): void {
    const delta = running - this.#tasks.running;
    this.#tasks = { running, desired };
    if (delta !== 0) this.#observer?.replicasChanged(delta);
  }
}

/** What a service runs: the tag and digest of its spec's image. */
function runningOf(service: SwarmService): ServiceTarget {
  const image = specImage(service.spec);
  return { ...imageVersion(image), image };
}
