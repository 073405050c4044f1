/**
 * `dewy service`: wires the parts together from one {@link ServiceConfig} — the engine and
 * its Swarm API, the registry, the notifier, telemetry (when on), the service manager and the
 * admin API — runs until a stop signal, then stops following (the service keeps running).
 * No proxy runs in this mode: Swarm's routing mesh or the user's load balancer carries traffic.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import { waitForStopSignal } from "../lifecycle/signals.ts";
import { runShutdownSteps } from "../lifecycle/steps.ts";
import { NOTIFY_TIMEOUT_MS } from "../notify/types.ts";
import { VERSION } from "../version.ts";
import { DockerSwarmClient } from "../engine/swarm.ts";
import { createTelemetry } from "../telemetry/create.ts";
import { createAdminApp } from "../admin/app.ts";
import { type AdminServer, startAdminServer } from "../admin/server.ts";
import { hookRunner } from "../hooks/run.ts";
import { RESTARTED_MESSAGE, startedMessage } from "../notify/mod.ts";
import { openSharedParts } from "../lifecycle/parts.ts";
import type { ServiceConfig } from "./config.ts";
import { ServiceManager } from "./manager.ts";
import { realClock } from "../deploy/clock.ts";
import { controlActions } from "../control/actions.ts";
import { DeployControl } from "../control/control.ts";
import { StateStore } from "../control/state-store.ts";
import { openService } from "./open.ts";
import { imageVersion, specImage } from "./spec.ts";

/**
 * Run `dewy service` until SIGINT/SIGTERM/SIGQUIT; resolves with the exit code. Throws
 * `ConfigError` for bad settings found while wiring, `RuntimeFailure` when the engine is
 * unreachable, has no Swarm API, is not a manager, or has no such service.
 */
export async function runService(runtime: Runtime, config: ServiceConfig): Promise<number> {
  const env = (name: string) => runtime.env(name);
  const { socketPath } = config.engine;
  const { logger, engine, registry, notifier } = await openSharedParts(runtime, config);
  const swarm = new DockerSwarmClient({ runtime, socketPath });
  const stopSignal = waitForStopSignal(runtime, {
    SIGHUP: () => logger.info("Received SIGHUP; ignored (SIGINT, SIGTERM or SIGQUIT stop dewy)"),
    SIGUSR1: () => void notifier.send(RESTARTED_MESSAGE),
  });

  logger.info("Connecting to the container engine", { socket: socketPath });
  const first = await Promise.race([
    engine.version().then((version) => ({ version })),
    stopSignal.then((signal) => ({ signal })),
  ]);
  if ("signal" in first) {
    logger.info("Stopped before the container engine answered", { signal: first.signal });
    return 0;
  }
  const service = await openService({
    engineName: first.version.name,
    swarm,
    service: config.service,
    exampleImage: `${config.image.host}/${config.image.repository}:TAG`,
  });
  const running = imageVersion(specImage(service.spec));
  logger.info("Dewy started", {
    version: VERSION,
    runtime: `${runtime.name} ${runtime.version}`,
    engine: `${first.version.name} ${first.version.version} (API ${first.version.apiVersion})`,
    socket: socketPath,
    service: config.service,
    running: running.version || running.digest || specImage(service.spec),
    registry: config.image.url,
    interval: `${config.poll.intervalMs / 1000}s`,
    proxy: "none (Swarm routes the traffic)",
  });

  const telemetry = await createTelemetry(config.telemetry, {
    version: VERSION,
    env,
    app: config.service,
    logger,
    command: "service",
    // Read at collection time only, after the manager below exists.
    desiredReplicas: (): number | undefined => manager.desiredReplicas(),
  });
  const store = new StateStore(config.state, `service-${config.service}`);
  const control = new DeployControl({
    store,
    state: await store.load(),
    clock: realClock,
    logger,
    notifier,
    observer: telemetry,
  });
  const manager = new ServiceManager({
    config,
    swarm,
    registry,
    service,
    logger,
    observer: telemetry,
    notifier,
    runHook: hookRunner(runtime),
    control,
    // Loaded on demand: @sigstore/verify costs memory only when signatures are checked.
    signatures: config.signatures
      ? (await import("../verify/mod.ts")).createSignatureGate(config.signatures.keys, {
        source: registry,
        logger,
        notifier,
        observer: telemetry,
      })
      : undefined,
  });
  let admin: AdminServer | undefined;
  try {
    admin = await startAdminServer(
      runtime,
      createAdminApp(manager, { telemetry, logger, control: controlActions(control, manager) }),
      { port: config.admin.port, logger },
    );
  } catch (error) {
    void notifier.sendError(error);
    await telemetry?.shutdown();
    await notifier.settled(NOTIFY_TIMEOUT_MS);
    throw error;
  }
  await notifier.send(startedMessage(VERSION, "service"));
  manager.start();

  const signal = await stopSignal;
  logger.info("Shutting down", { signal });
  await runShutdownSteps([
    ["stop the service manager", () => manager.shutdown(signal)],
    ["close the admin API", () => admin.server.close()],
    ["flush telemetry", () => telemetry?.shutdown()],
  ], logger);
  logger.info("Dewy stopped", { signal });
  return 0;
}
