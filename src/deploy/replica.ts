/**
 * One replica's life: create and start its container, wait until it is healthy, stop and
 * remove it. Its place in the proxies' rotation belongs to `ReplicaSet` (`replica-set.ts`).
 *
 * @module
 */
import type { DeploySettings } from "../config.ts";
import type { ContainerDetails, Engine } from "../engine/types.ts";
import type { Logger } from "../log.ts";
import type { BackendPool } from "../proxy/pool.ts";
import { errorMessage } from "../errors.ts";
import type { Clock } from "./clock.ts";
import { ContainerExitedError, HealthCheckError, PortNotPublishedError } from "./errors.ts";
import { probeTarget, waitHealthy } from "./health.ts";
import { candidateEndpoint, endpointOf, endpointText, publishedEndpoint } from "./endpoint.ts";
import { containerName, replicaLabels } from "./labels.ts";
import { publishedPorts, type ResolvedPort } from "./ports.ts";
import type { DeployObserver, TcpProbe } from "./types.ts";
import { Leftovers } from "./leftovers.ts";

/** Graceful stop timeout (seconds) for old replicas and at shutdown, before SIGKILL. */
export const STOP_TIMEOUT_S = 10;
/** Lines of output logged for a replica that failed to start or to become healthy. */
const FAILED_OUTPUT_LINES = 30;
/** Stop timeout (seconds) for replicas of a failed deploy being rolled back. */
export const ROLLBACK_STOP_TIMEOUT_S = 5;

/** Everything the deploy steps share. */
export interface DeployContext {
  /** The deploy section of the configuration. */
  config: DeploySettings;
  /** The container engine. */
  engine: Engine;
  /** Proxy per public port (a `TcpProxy` fits). */
  proxies: ReadonlyMap<number, { readonly pool: BackendPool }>;
  /** Where deploy steps are logged. */
  logger: Logger;
  /** Time source. */
  clock: Clock;
  /** TCP health probe when there is no `--health-path`. */
  probeTcp: TcpProbe;
  /** Telemetry, absent when off. */
  observer?: DeployObserver;
  /** `uid:gid` containers run as unless `--user` was given; unset: the image's `USER`. */
  user: string | undefined;
  /** Takes containers whose removal failed while the engine was away; absent: only logged. */
  leftovers?: Leftovers;
}

/** The version a replica runs. */
export interface DeployTarget {
  /** Tag, e.g. `v1.2.0` (the `dewy.version` label). */
  version: string;
  /** Manifest digest (`sha256:…`). */
  digest: string;
  /** Pinned reference that is run (`registry/repo@sha256:…`). */
  image: string;
}

/** A managed container dewy knows to be healthy. */
export interface Replica extends DeployTarget {
  /** Container id. */
  id: string;
  /** Container name. */
  name: string;
  /** Replica index (`dewy.replica`). */
  index: number;
  /** Host port per container port. */
  hostPorts: Map<number, number>;
  /** The container's address on its engine network (`172.17.0.3`), if it has one. */
  address?: string;
  /** The app answered its health check at {@link address}: the proxy dials it there. */
  direct?: boolean;
}

/** Options of {@link startReplica}. */
export interface StartReplicaOptions {
  /** What to run. */
  target: DeployTarget;
  /** Replica index. */
  index: number;
  /** Resolved `--port` mappings. */
  ports: readonly ResolvedPort[];
  /** Deploy time (names and `dewy.deployed_at`), epoch ms. */
  deployedAt: number;
  /** Aborts the start (shutdown). */
  signal?: AbortSignal;
}

/**
 * Create and start a replica and wait until it is healthy. On any failure after the
 * container was created it is stopped and removed before the error is rethrown.
 */
export async function startReplica(
  ctx: DeployContext,
  options: StartReplicaOptions,
): Promise<Replica> {
  const { config, engine } = ctx;
  const { target, index, signal } = options;
  const run = config.run;
  const name = containerName(run.name ?? config.app, options.deployedAt, index);
  ctx.logger.info("Starting container", {
    name,
    image: target.image,
    version: target.version,
    replica: index,
  });
  // The create is never aborted half-way: dockerd completes a create it has received even when
  // we stop waiting, and a container whose id never arrived could not be rolled back.
  const id = await engine.createContainer({
    name,
    image: target.image,
    labels: {
      ...run.labels,
      ...replicaLabels({
        app: config.app,
        version: target.version,
        replica: index,
        deployedAt: options.deployedAt,
      }),
    },
    publish: publishedPorts(options.ports),
    cmd: config.cmd,
    options: { ...run, user: run.user ?? ctx.user },
  });
  try {
    signal?.throwIfAborted();
    await engine.startContainer(id, signal);
    const details = await engine.inspectContainer(id, signal);
    if (details?.state !== "running") throw ContainerExitedError.of(name, details);
    const replica: Replica = {
      ...target,
      id,
      name,
      index,
      hostPorts: hostPortsOf(details, name, options.ports),
      address: details.address || undefined,
    };
    ctx.logger.info("Container started", {
      container: name,
      port_mappings: portMappingText(replica, options.ports),
    });
    await waitUntilHealthy(ctx, replica, options.ports, signal);
    return replica;
  } catch (error) {
    if (error instanceof ContainerExitedError || error instanceof HealthCheckError) {
      await logLastOutput(ctx, { id, name });
    }
    await removeContainer(ctx, { id, name }, ROLLBACK_STOP_TIMEOUT_S);
    throw error;
  }
}

/** Log what a failed replica printed last: once it is removed, nobody can read it any more. */
async function logLastOutput(ctx: DeployContext, container: { id: string; name: string }) {
  try {
    const output = await ctx.engine.containerLogs(container.id, FAILED_OUTPUT_LINES);
    ctx.logger.warn("Output of the failed container", {
      container: container.name,
      output: output.trimEnd() || "(nothing)",
    });
  } catch (error) {
    ctx.logger.debug("Cannot read the output of the failed container", {
      container: container.name,
      error: errorMessage(error),
    });
  }
}

/**
 * Wait (up to `--health-timeout`) until `replica` answers its first mapping's probe, at its
 * engine address and else at its published port; where it answered is where it is dialled.
 */
export async function waitUntilHealthy(
  ctx: DeployContext,
  replica: Replica,
  ports: readonly ResolvedPort[],
  signal?: AbortSignal,
): Promise<void> {
  const containerPort = ports[0].containerPort;
  const published = publishedEndpoint(replica, containerPort);
  const direct = candidateEndpoint(replica, containerPort);
  const path = ctx.config.rollout.healthPath;
  ctx.logger.info("Performing health check", {
    container: replica.name,
    target: probeTarget(direct ?? published, path),
  });
  const passed = await waitHealthy({
    container: replica,
    endpoint: published,
    direct,
    path,
    timeoutMs: ctx.config.rollout.healthTimeoutMs,
    engine: ctx.engine,
    probeTcp: ctx.probeTcp,
    clock: ctx.clock,
    observer: ctx.observer,
    signal,
  });
  replica.direct = passed === direct;
  if (direct && !replica.direct) {
    ctx.logger.info("Container address not reachable from the host, using its published port", {
      container: replica.name,
      address: endpointText(direct),
    });
  }
  ctx.logger.info("Health check passed", {
    container: replica.name,
    target: probeTarget(passed, path),
  });
}

/** Host port of each mapping's container port; throws {@link PortNotPublishedError}. */
export function hostPortsOf(
  details: ContainerDetails | undefined,
  name: string,
  ports: readonly ResolvedPort[],
): Map<number, number> {
  const hostPorts = new Map<number, number>();
  for (const { containerPort } of ports) {
    const binding = details?.ports[`${containerPort}/tcp`];
    if (!binding?.hostPort) throw new PortNotPublishedError(name, containerPort);
    hostPorts.set(containerPort, binding.hostPort);
  }
  return hostPorts;
}

function portMappingText(replica: Replica, ports: readonly ResolvedPort[]): string {
  return ports.map((p) => `${p.proxyPort}->${endpointText(endpointOf(replica, p.containerPort))}`)
    .join(",");
}

/**
 * Stop (SIGKILL after `stopTimeoutS`) and remove a container; a failed stop still tries the
 * forced remove. Failures are logged with the command that cleans up by hand, not thrown; with
 * `ctx.leftovers`, a removal the absent engine refused is handed to it to finish later.
 */
export async function removeContainer(
  ctx: Pick<DeployContext, "engine" | "logger" | "config" | "leftovers">,
  container: { id: string; name: string },
  stopTimeoutS: number,
): Promise<boolean> {
  try {
    await ctx.engine.stopContainer(container.id, stopTimeoutS);
  } catch (error) {
    ctx.logger.warn("Cannot stop container, removing it by force", {
      container: container.name,
      error: errorMessage(error),
    });
  }
  try {
    await ctx.engine.removeContainer(container.id);
    return true;
  } catch (error) {
    if (ctx.leftovers && Leftovers.retriable(error)) {
      ctx.leftovers.add(container);
      ctx.logger.warn("Cannot remove container while the engine is away, removing it once back", {
        container: container.name,
        error: errorMessage(error),
      });
      return false;
    }
    ctx.logger.error("Failed to remove container", {
      container: container.name,
      error: errorMessage(error),
      hint: `remove it by hand: ${ctx.config.engine.kind} rm -f ${container.name}`,
    });
    return false;
  }
}
