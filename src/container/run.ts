/**
 * `dewy container`: build the parts ({@link composeContainer}), then run their lifecycle:
 * listen for signals, wait for the engine, start the proxies, the deploy manager and the
 * admin API, run until a stop signal, then shut down in the order that loses no connection.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import type { ContainerConfig } from "../config.ts";
import type { Engine } from "../engine/types.ts";
import { NOTIFY_TIMEOUT_MS } from "../notify/types.ts";
import { RESTARTED_MESSAGE, startedMessage, type StopSignal } from "../notify/mod.ts";
import { startAdminServer } from "../admin/server.ts";
import { VERSION } from "../version.ts";
import { composeContainer, type ContainerParts } from "./compose.ts";
import { type Running, shutdown } from "./shutdown.ts";
import { waitForStopSignal } from "../lifecycle/signals.ts";

/** What the engine says it is. */
type EngineVersion = Awaited<ReturnType<Engine["version"]>>;

/**
 * At start-up, clients that find no backend wait this long (at most) for the adoption of
 * running replicas instead of being closed.
 */
const STARTUP_HOLD_MS = 15_000;

/**
 * Run `dewy container` until SIGINT/SIGTERM/SIGQUIT; resolves with the exit code.
 * Bad settings discovered while wiring (OTLP, notifier, registry) throw `ConfigError`;
 * an unreachable engine or a taken port throws `RuntimeFailure`.
 */
export async function runContainer(runtime: Runtime, config: ContainerConfig): Promise<number> {
  const parts = await composeContainer(runtime, config);
  const { logger, notifier, telemetry } = parts;
  // Listen before anything starts: a stop signal during start-up must not kill dewy with
  // replicas half started; start-up finishes (every step is bounded), then shuts down.
  const stopSignal = waitForStopSignal(runtime, {
    SIGHUP: () => logger.info("Received SIGHUP; ignored (SIGINT, SIGTERM or SIGQUIT stop dewy)"),
    SIGUSR1: () => {
      logger.info("Received SIGUSR1");
      void notifier.send(RESTARTED_MESSAGE);
    },
  });
  const version = await engineOrStop(parts, stopSignal);
  if (!version) return 0;
  logger.info("Dewy started", {
    version: VERSION,
    runtime: `${runtime.name} ${runtime.version}`,
    engine: `${version.name} ${version.version} (API ${version.apiVersion})`,
    socket: parts.socketPath,
    app: config.app,
    registry: config.image.url,
    ports: config.ports.map((p) => `${p.proxyPort}:${p.containerPort || "auto"}`).join(","),
    replicas: config.rollout.replicas,
    health_path: config.rollout.healthPath || "(TCP accept)",
    interval: `${config.poll.intervalMs / 1000}s`,
  });

  const running: Running = {
    proxies: new Map(),
    manager: undefined,
    admin: undefined,
    telemetry,
    logger,
    drainMs: config.rollout.drainMs,
  };
  try {
    await startUp(runtime, config, parts, running);
  } catch (error) {
    // A port that cannot be bound is an error notification; no stop message follows (a
    // shutdown without a signal sends none).
    void notifier.sendError(error);
    // Replicas adopted from an earlier dewy keep running: the next start adopts them again.
    await shutdown({ ...running, drainMs: 0, leaveRunning: true });
    await notifier.settled(NOTIFY_TIMEOUT_MS);
    throw error;
  }

  const signal = await stopSignal;
  logger.info("Shutting down", { signal });
  const clean = await shutdown(running, signal);
  logger.info("Dewy stopped", { signal });
  // A service manager should see that containers may be left behind.
  return clean ? 0 : 1;
}

/**
 * Ask the engine for its version: the first thing asked, so a stop signal while it does not
 * answer ends dewy at once (nothing has started yet). Resolves `undefined` when stopped.
 */
async function engineOrStop(
  parts: ContainerParts,
  stopSignal: Promise<StopSignal>,
): Promise<EngineVersion | undefined> {
  parts.logger.info("Connecting to the container engine", { socket: parts.socketPath });
  const first = await Promise.race([
    parts.engine.version().then((version) => ({ version })),
    stopSignal.then((signal) => ({ signal })),
  ]);
  if ("version" in first) return first.version;
  parts.logger.info("Stopped before the container engine answered", { signal: first.signal });
  return undefined;
}

/**
 * Start the proxies, the deploy manager (adoption) and the admin API, recording each in
 * `running` as it starts so that a failure shuts down exactly what runs.
 */
async function startUp(
  runtime: Runtime,
  config: ContainerConfig,
  parts: ContainerParts,
  running: Running,
): Promise<void> {
  const { logger, manager } = parts;
  for (const [proxyPort, proxy] of parts.proxies) {
    await proxy.start();
    running.proxies.set(proxyPort, proxy);
    logger.info("TCP proxy started", { proxy_port: proxyPort });
  }
  running.manager = manager;
  // Adoption puts running replicas back into the pools; until it is done, clients wait
  // for a backend instead of being closed.
  const adopted = manager.start();
  for (const proxy of running.proxies.values()) proxy.holdClientsUntil(adopted, STARTUP_HOLD_MS);
  running.admin = await startAdminServer(runtime, parts.adminApp, {
    port: config.admin.port,
    logger,
  });
  await parts.notifier.send(startedMessage(VERSION));
  await adopted;
}
