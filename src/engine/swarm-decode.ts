/**
 * Swarm Engine API JSON → the types of `swarm-types.ts`. An answer without the fields dewy
 * cannot do without (`ID`, `Version.Index`, `Spec`) is an {@link EngineError} naming the
 * operation; optional fields get neutral values.
 *
 * @module
 */
import { EngineError } from "./errors.ts";
import type {
  ServiceSpec,
  SwarmNode,
  SwarmNodeInfo,
  SwarmService,
  SwarmTask,
  UpdateStatus,
} from "./swarm-types.ts";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function entries(body: unknown, operation: string): Json[] {
  if (!Array.isArray(body)) {
    throw EngineError.malformed(operation, 200, "expected a JSON array");
  }
  return body.filter(isObject);
}

function requiredId(value: Json, operation: string): string {
  if (typeof value.ID !== "string" || !value.ID) {
    throw EngineError.malformed(operation, 200, "an entry has no ID");
  }
  return value.ID;
}

/** `GET /info` → the `Swarm` part (Podman and old engines have none: inactive). */
export function decodeSwarmInfo(body: unknown): SwarmNodeInfo {
  const swarm = isObject(body) && isObject(body.Swarm) ? body.Swarm : {};
  return {
    localNodeState: text(swarm.LocalNodeState) || "inactive",
    controlAvailable: swarm.ControlAvailable === true,
  };
}

function decodeUpdateStatus(value: unknown): UpdateStatus | undefined {
  if (!isObject(value) || typeof value.State !== "string") return undefined;
  return { state: value.State, startedAt: text(value.StartedAt), message: text(value.Message) };
}

/** `GET /services/{id}` → {@link SwarmService}. */
export function decodeService(body: unknown, operation: string): SwarmService {
  if (!isObject(body)) throw EngineError.malformed(operation, 200, "expected a JSON object");
  const version = isObject(body.Version) ? body.Version.Index : undefined;
  if (typeof version !== "number" || !isObject(body.Spec)) {
    throw EngineError.malformed(operation, 200, "no Version.Index or Spec");
  }
  return {
    id: requiredId(body, operation),
    version,
    spec: body.Spec as ServiceSpec,
    hasPreviousSpec: isObject(body.PreviousSpec),
    updateStatus: decodeUpdateStatus(body.UpdateStatus),
  };
}

/** `GET /tasks` → {@link SwarmTask}s. */
export function decodeTasks(body: unknown, operation: string): SwarmTask[] {
  return entries(body, operation).map((task) => {
    const status = isObject(task.Status) ? task.Status : {};
    const spec = isObject(task.Spec) && isObject(task.Spec.ContainerSpec)
      ? task.Spec.ContainerSpec
      : {};
    return {
      id: requiredId(task, operation),
      nodeId: text(task.NodeID),
      slot: typeof task.Slot === "number" ? task.Slot : 0,
      desiredState: text(task.DesiredState),
      state: text(status.State),
      message: text(status.Err) || text(status.Message),
      image: text(spec.Image),
      since: text(status.Timestamp),
    };
  });
}

/** `GET /nodes` → {@link SwarmNode}s. */
export function decodeNodes(body: unknown, operation: string): SwarmNode[] {
  return entries(body, operation).map((node) => ({
    id: requiredId(node, operation),
    hostname: isObject(node.Description) ? text(node.Description.Hostname) : "",
  }));
}

/** The warnings of a service update's answer (`{ "Warnings": [...] | null }`). */
export function decodeWarnings(body: unknown): string[] {
  const warnings = isObject(body) ? body.Warnings : undefined;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === "string") : [];
}
