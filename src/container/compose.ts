/**
 * The parts of `dewy container`, built from its config: logger, engine client, registry,
 * notifier, telemetry (when on), one TCP proxy per port, the deploy manager and the admin
 * app. Building them starts nothing: `run.ts` starts them in order.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import type { ContainerConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import { VERSION } from "../version.ts";
import { TcpProxy } from "../proxy/proxy.ts";
import { defaultMaxConnections } from "../proxy/connection-cap.ts";
import { ConnectionLimit } from "../proxy/connection-limit.ts";
import type { DockerEngineClient } from "../engine/client.ts";
import type { ImageRegistry } from "../registry/types.ts";
import { createTelemetry } from "../telemetry/create.ts";
import type { Telemetry } from "../telemetry/telemetry.ts";
import { createAdminApp } from "../admin/app.ts";
import type { Notifier } from "../notify/mod.ts";
import { openSharedParts } from "../lifecycle/parts.ts";
import { DeployManager } from "../deploy/manager.ts";
import { TCP_PROBE_SETTLE_MS } from "../deploy/health.ts";
import { defaultContainerUser } from "../deploy/container-user.ts";
import { hookRunner } from "../hooks/run.ts";
import { StateStore } from "../control/state-store.ts";
import { DeployControl } from "../control/control.ts";
import { controlActions } from "../control/actions.ts";
import { realClock } from "../deploy/clock.ts";

/** The parts of `dewy container`; none listens or runs yet. */
export interface ContainerParts {
  /** The one logger. */
  logger: Logger;
  /** The engine's unix socket. */
  socketPath: string;
  /** The container engine. */
  engine: DockerEngineClient;
  /** The registry polled for new versions. */
  registry: ImageRegistry;
  /** Notifications (a null notifier when none is configured). */
  notifier: Notifier;
  /** Telemetry, `undefined` when off. */
  telemetry: Telemetry | undefined;
  /** One proxy per `--port` proxy port, not listening yet. */
  proxies: Map<number, TcpProxy>;
  /** The deploy manager, not started. */
  manager: DeployManager;
  /** The admin API's request handler. */
  adminApp: ReturnType<typeof createAdminApp>;
}

/**
 * Build the parts from `config`. Bad settings found while building (OTLP, notifier,
 * registry) throw `ConfigError`.
 */
export async function composeContainer(
  runtime: Runtime,
  config: ContainerConfig,
): Promise<ContainerParts> {
  const env = (name: string) => runtime.env(name);
  // Pause, pin and history, read (and written back) before anything starts: a state
  // directory dewy cannot write stops it here with one line (exit 2).
  const store = new StateStore(config.state, config.app);
  const state = await store.load();
  const { socketPath } = config.engine;
  const { logger, engine, registry, notifier } = await openSharedParts(runtime, config);
  const telemetry = await createTelemetry(config.telemetry, {
    version: VERSION,
    env,
    app: config.app,
    containers: { engine, desiredReplicas: config.rollout.replicas },
    proxyPorts: config.ports.map((p) => p.proxyPort),
    logger,
  });
  // One cap for every proxy port: the descriptors they share are the process's.
  const fdLimit = runtime.openFileLimit();
  const connectionLimit = new ConnectionLimit(
    config.proxy.maxConnections ?? defaultMaxConnections(fdLimit),
  );
  logger.info("Proxy connection cap", {
    max_connections: connectionLimit.max,
    open_file_limit: fdLimit ?? "unknown",
  });
  const control = new DeployControl({
    store,
    state,
    clock: realClock,
    logger,
    notifier,
    observer: telemetry,
  });
  const proxies = new Map<number, TcpProxy>();
  for (const { proxyPort } of config.ports) {
    proxies.set(
      proxyPort,
      new TcpProxy(runtime, {
        port: proxyPort,
        idleTimeoutMs: config.proxy.idleTimeoutMs,
        retryWindowMs: config.proxy.retryWindowMs,
        observer: telemetry,
        logger,
        connectionLimit,
      }),
    );
  }
  const { app, ports, cmd, run, rollout, poll, hooks, engine: engineKind } = config;
  const manager = new DeployManager({
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
  const adminApp = createAdminApp(manager, {
    telemetry,
    logger,
    control: controlActions(control, manager),
  });
  return {
    logger,
    socketPath,
    engine,
    registry,
    notifier,
    telemetry,
    proxies,
    manager,
    adminApp,
  };
}
