/**
 * The service's tasks as the admin API shows them: the ones Swarm wants running, with the
 * hostname of their node and the version they run.
 *
 * @module
 */
import type { SwarmEngine } from "../engine/swarm-types.ts";
import { imageVersion } from "./spec.ts";
import type { TaskInfo } from "../admin/types.ts";

/** The tasks of `serviceId` Swarm wants running, by slot. Rejects when the engine fails. */
export async function listTaskInfo(
  swarm: SwarmEngine,
  serviceId: string,
  signal?: AbortSignal,
): Promise<TaskInfo[]> {
  const [tasks, nodes] = await Promise.all([
    swarm.listTasks(serviceId, signal),
    swarm.listNodes(signal),
  ]);
  const hostnames = new Map(nodes.map((n) => [n.id, n.hostname]));
  return tasks
    .filter((t) => t.desiredState === "running")
    .sort((a, b) => a.slot - b.slot || a.since.localeCompare(b.since))
    .map((t) => ({
      id: t.id,
      slot: t.slot,
      node: hostnames.get(t.nodeId) || t.nodeId,
      state: t.state,
      version: imageVersion(t.image).version,
      image: t.image,
      since: t.since,
      message: t.message,
    }));
}
