/**
 * `dewy container`: wires the parts together from one validated {@link ContainerConfig} —
 * telemetry (when on), one TCP proxy per port, the engine client, the registry, the notifier,
 * the deploy manager and the admin API — runs until a stop signal, then shuts down in the
 * order that loses no connection: stop accepting, drain, remove containers, flush telemetry.
 *
 * @module
 */
import type { Runtime, SignalName } from "./runtime/types.ts";
import type { ContainerConfig } from "./config.ts";
import { Logger } from "./log.ts";
import { errorMessage } from "./errors.ts";
import { TCP_PROBE_SETTLE_MS } from "./deploy/health.ts";
import { NOTIFY_TIMEOUT_MS } from "./notify/types.ts";
import { VERSION } from "./version.ts";
import { TcpProxy } from "./proxy/proxy.ts";
import { DockerEngineClient } from "./engine/client.ts";
import { resolveEngineSocket } from "./engine/socket.ts";
import { openImageRegistry } from "./registry/mod.ts";
import { createTelemetry } from "./telemetry/create.ts";
import type { Telemetry } from "./telemetry/telemetry.ts";
import { createAdminApp } from "./admin/app.ts";
import { type AdminServer, startAdminServer } from "./admin/server.ts";
import {
  createNotifier,
  RESTARTED_MESSAGE,
  startedMessage,
  type StopSignal,
} from "./notify/mod.ts";
import { defaultContainerUser } from "./deploy/container-user.ts";
import { DeployManager } from "./deploy/manager.ts";
import { hookRunner } from "./hooks/run.ts";

/**
 * At start-up, clients that find no backend wait this long (at most) for the adoption of
 * running replicas instead of being closed.
 */
const STARTUP_HOLD_MS = 15_000;

const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGQUIT"];

/**
 * Run `dewy container` until SIGINT/SIGTERM/SIGQUIT; resolves with the exit code.
 * Bad settings discovered while wiring (OTLP, notifier, registry) throw `ConfigError`;
 * an unreachable engine or a taken port throws `RuntimeFailure`.
 */
export async function runContainer(runtime: Runtime, config: ContainerConfig): Promise<number> {
  const env = (name: string) => runtime.env(name);
  const logger = new Logger(config.log);
  const socketPath = resolveEngineSocket(config.engine, env, runtime.uid());
  const engine = new DockerEngineClient({ runtime, socketPath });
  const registry = await openImageRegistry(config.image, {
    sources: { env, homeDir: runtime.homeDir() },
    logger,
  });
  const notifier = createNotifier(config.notifier, {
    env,
    logger,
    version: VERSION,
    workingDir: runtime.cwd(),
  });
  const telemetry = await createTelemetry(config.telemetry, {
    version: VERSION,
    env,
    app: config.app,
    containers: { engine, desiredReplicas: config.rollout.replicas },
    proxyPorts: config.ports.map((p) => p.proxyPort),
    logger,
  });
  // Listen before anything starts: a stop signal during start-up must not kill dewy with
  // replicas half started; start-up finishes (every step is bounded), then shuts down.
  const stopSignal = waitForStopSignal(runtime, {
    SIGHUP: () => logger.info("Received SIGHUP; ignored (SIGINT, SIGTERM or SIGQUIT stop dewy)"),
    SIGUSR1: () => {
      logger.info("Received SIGUSR1");
      void notifier.send(RESTARTED_MESSAGE);
    },
  });

  // The engine is the first thing asked; a stop signal while it does not answer ends dewy at
  // once (nothing has started yet) instead of after the request's timeout.
  logger.info("Connecting to the container engine", { socket: socketPath });
  const first = await Promise.race([
    engine.version().then((version) => ({ version })),
    stopSignal.then((signal) => ({ signal })),
  ]);
  if ("signal" in first) {
    logger.info("Stopped before the container engine answered", { signal: first.signal });
    return 0;
  }
  const { version } = first;
  logger.info("Dewy started", {
    version: VERSION,
    runtime: `${runtime.name} ${runtime.version}`,
    engine: `${version.name} ${version.version} (API ${version.apiVersion})`,
    socket: socketPath,
    app: config.app,
    registry: config.image.url,
    ports: config.ports.map((p) => `${p.proxyPort}:${p.containerPort || "auto"}`).join(","),
    replicas: config.rollout.replicas,
    health_path: config.rollout.healthPath || "(TCP accept)",
    interval: `${config.poll.intervalMs / 1000}s`,
  });

  const proxies = new Map<number, TcpProxy>();
  let admin: AdminServer | undefined;
  let manager: DeployManager | undefined;
  try {
    for (const { proxyPort } of config.ports) {
      const proxy = new TcpProxy(runtime, {
        port: proxyPort,
        idleTimeoutMs: config.proxy.idleTimeoutMs,
        observer: telemetry,
        logger,
      });
      await proxy.start();
      proxies.set(proxyPort, proxy);
      logger.info("TCP proxy started", { proxy_port: proxyPort });
    }
    const { app, ports, cmd, run, rollout, poll, hooks, engine: engineKind } = config;
    manager = new DeployManager({
      settings: { app, ports, cmd, run, rollout, poll, hooks, engine: engineKind },
      engine,
      registry,
      proxies,
      probeTcp: (host, port, timeoutMs) =>
        runtime.probeTcp(host, port, timeoutMs, TCP_PROBE_SETTLE_MS),
      logger,
      observer: telemetry,
      notifier,
      runHook: hookRunner(runtime),
      user: defaultContainerUser(runtime.uid(), runtime.gid()),
    });
    // Adoption puts running replicas back into the pools; until it is done, clients wait
    // for a backend instead of being closed.
    const adopted = manager.start();
    for (const proxy of proxies.values()) proxy.holdClientsUntil(adopted, STARTUP_HOLD_MS);
    admin = await startAdminServer(
      runtime,
      createAdminApp(manager, { telemetry, logger }),
      { port: config.admin.port, logger },
    );
    await notifier.send(startedMessage(VERSION));
    await adopted;
  } catch (error) {
    // A port that cannot be bound is an error notification (reference §7.1); no stop message
    // follows (a shutdown without a signal sends none).
    void notifier.sendError(error);
    // Replicas adopted from an earlier dewy keep running: the next start adopts them again.
    const running = { proxies, manager, admin, telemetry, logger, drainMs: 0, leaveRunning: true };
    await shutdown(running);
    await notifier.settled(NOTIFY_TIMEOUT_MS);
    throw error;
  }

  const signal = await stopSignal;
  logger.info("Shutting down", { signal });
  const clean = await shutdown(
    { proxies, manager, admin, telemetry, logger, drainMs: config.rollout.drainMs },
    signal,
  );
  logger.info("Dewy stopped", { signal });
  // A service manager should see that containers may be left behind.
  return clean ? 0 : 1;
}

/** What {@link shutdown} stops. */
interface Running {
  proxies: Map<number, TcpProxy>;
  manager: DeployManager | undefined;
  admin: AdminServer | undefined;
  telemetry: Telemetry | undefined;
  logger: Logger;
  /** How long open proxied connections get to finish. */
  drainMs: number;
  /** A failed start-up: leave the app's running replicas for the next dewy to adopt. */
  leaveRunning?: boolean;
}

/**
 * Start no new deploy, stop accepting on every proxy port, let open connections finish (up to
 * `drainMs`), then stop and remove the managed containers, close the admin API, and flush
 * telemetry. Every step runs even when an earlier one failed. Without `signal`, start-up failed.
 * Resolves with false when managed containers may be left behind.
 */
async function shutdown(running: Running, signal?: StopSignal): Promise<boolean> {
  const { proxies, manager, admin, telemetry, logger, drainMs, leaveRunning } = running;
  manager?.stopChecks();
  for (const proxy of proxies.values()) proxy.stopAccepting();
  const open = [...proxies.values()].reduce((sum, p) => sum + p.openConnections, 0);
  if (open > 0 && drainMs > 0) {
    logger.info("Draining open connections", {
      count: open,
      up_to: `${drainMs / 1000}s (--drain-time)`,
    });
  }
  const cut = await Promise.all([...proxies.values()].map((p) => p.drain(drainMs)));
  const cutTotal = cut.reduce((a, b) => a + b, 0);
  if (cutTotal > 0) {
    logger.warn("Closed connections still open after the drain time", { count: cutTotal });
  }
  let clean: boolean | undefined; // stays undefined if stopping the containers throws
  const steps: Array<[string, () => Promise<unknown> | undefined]> = [
    ["stop managed containers", async () => {
      clean = (await manager?.shutdown(signal, { leaveRunning })) ?? true;
    }],
    ["close the admin API", () => admin?.server.close()],
    ["flush telemetry", () => telemetry?.shutdown()],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (error) {
      logger.error(`Shutdown: cannot ${what}`, { error: errorMessage(error) });
    }
  }
  for (const proxy of proxies.values()) proxy.close();
  return clean === true;
}

/**
 * Resolve with the first of SIGINT/SIGTERM/SIGQUIT; SIGHUP (ignored, as by the original) and
 * SIGUSR1 go to their handlers.
 */
export function waitForStopSignal(
  runtime: Runtime,
  handlers: { SIGHUP: () => void; SIGUSR1: () => void },
): Promise<StopSignal> {
  return new Promise((resolve) => {
    const listen = (name: SignalName, handler: () => void) => {
      try {
        runtime.onSignal(name, handler);
      } catch { /* signal not supported on this platform */ }
    };
    // Handlers stay installed: a second signal during shutdown must not kill dewy before it
    // has removed its containers.
    for (const name of STOP_SIGNALS) listen(name, () => resolve(name));
    listen("SIGHUP", handlers.SIGHUP);
    listen("SIGUSR1", handlers.SIGUSR1);
  });
}
