/**
 * Adoption at start-up: managed containers of this app that are already running (dewy was
 * restarted) are health-probed and put back into the proxies at once, so a restarted dewy
 * never serves with zero backends.
 *
 * @module
 */
import type { ContainerDetails } from "../engine/types.ts";
import { errorMessage } from "../errors.ts";
import { appFilter, digestOf, LABEL_DEPLOYED_AT, LABEL_VERSION, replicaIndexOf } from "./labels.ts";
import { type ResolvedPort, resolvePorts } from "./ports.ts";
import {
  type DeployContext,
  type DeployTarget,
  hostPortsOf,
  type Replica,
  waitUntilHealthy,
} from "./replica.ts";
import type { ReplicaSet } from "./replica-set.ts";

/** Options of {@link adoptRunning}. */
export interface AdoptOptions {
  /** Adopted replicas join it. */
  serving: ReplicaSet;
  /** Aborts the health probes (shutdown). */
  signal?: AbortSignal;
}

/**
 * Adopt every healthy running managed container of the app. Resolves with the version of the
 * most recently deployed adopted replica (what self-healing restores), if any was adopted.
 * Containers that cannot be adopted are left alone (the next rollout removes them).
 */
export async function adoptRunning(
  ctx: DeployContext,
  options: AdoptOptions,
): Promise<DeployTarget | undefined> {
  const { engine, logger, config } = ctx;
  const running = await engine.listContainers(appFilter(config.app), { signal: options.signal });
  if (running.length > 0) logger.info("Found existing containers", { count: running.length });
  const adopted = await Promise.all(running.map(async (summary) => {
    try {
      const details = await engine.inspectContainer(summary.id, options.signal);
      if (!details || details.state !== "running") return undefined;
      const ports = portsOf(ctx, details);
      const replica: Replica = {
        id: details.id,
        name: details.name,
        index: replicaIndexOf(details.labels),
        version: details.labels[LABEL_VERSION] ?? "",
        digest: digestOf(details.image),
        image: details.image,
        hostPorts: hostPortsOf(details, details.name, ports),
        address: details.address || undefined,
      };
      await waitUntilHealthy(ctx, replica, ports, options.signal);
      options.serving.join(replica, ports);
      logger.info("Adopted running container", {
        container: replica.name,
        version: replica.version,
      });
      return { replica, deployedAt: details.labels[LABEL_DEPLOYED_AT] ?? "" };
    } catch (error) {
      options.signal?.throwIfAborted();
      logger.warn("Cannot adopt running container", {
        container: summary.name,
        error: errorMessage(error),
      });
      return undefined;
    }
  }));
  const newest = adopted
    .filter((a) => a !== undefined)
    // Newest deploy first. The labels may carry different offsets, so compare instants.
    .sort((a, b) => (Date.parse(b.deployedAt) || 0) - (Date.parse(a.deployedAt) || 0))[0];
  return newest &&
    { version: newest.replica.version, digest: newest.replica.digest, image: newest.replica.image };
}

/** The `--port` mappings resolved against the ports the container publishes. */
function portsOf(ctx: DeployContext, details: ContainerDetails): ResolvedPort[] {
  const published = Object.keys(details.ports)
    .filter((key) => key.endsWith("/tcp"))
    .map((key) => Number(key.slice(0, -4)));
  return resolvePorts(ctx.config.ports, details.image, published);
}
