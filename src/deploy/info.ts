/**
 * The running managed containers of the app as `GET /api/containers` shows them.
 *
 * @module
 */
import type { PortMapping } from "../config.ts";
import type { ContainerDetails, Engine } from "../engine/types.ts";
import { appFilter, LABEL_DEPLOYED_AT } from "./labels.ts";
import type { ContainerInfo } from "./types.ts";

/** Options of {@link listContainerInfo}. */
export interface ListContainerInfoOptions {
  /** The engine to ask. */
  engine: Engine;
  /** App name. */
  app: string;
  /** `--port` mappings; the first one picks `ip_port`. */
  ports: readonly PortMapping[];
  /** Aborts the listing. */
  signal?: AbortSignal;
}

/** Every running managed container of the app, sorted by name. Rejects when the engine fails. */
export async function listContainerInfo(
  options: ListContainerInfoOptions,
): Promise<ContainerInfo[]> {
  const { engine, signal } = options;
  const running = await engine.listContainers(appFilter(options.app), { signal });
  const details = await Promise.all(running.map((c) => engine.inspectContainer(c.id, signal)));
  return details
    .filter((d): d is ContainerDetails => d !== undefined)
    .map((d) => toInfo(d, options.ports[0]?.containerPort ?? 0))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function toInfo(d: ContainerDetails, containerPort: number): ContainerInfo {
  const binding = containerPort > 0 ? d.ports[`${containerPort}/tcp`] : Object.values(d.ports)[0];
  return {
    id: d.id,
    name: d.name,
    image: d.image,
    status: d.state,
    ip_port: binding ? `${binding.hostIp}:${binding.hostPort}` : "",
    started_at: d.startedAt,
    deployed_at: d.labels[LABEL_DEPLOYED_AT] || d.startedAt,
    labels: d.labels,
  };
}
