/**
 * What `dewy service` needs from a Swarm manager's Engine API: the node's Swarm role, one
 * service, its tasks and the nodes they run on. `swarm.ts` implements it over the Docker
 * Engine API.
 *
 * @module
 */
import type { RegistryAuth } from "./types.ts";

/** This node's place in a swarm (`GET /info` → `Swarm`). */
export interface SwarmNodeInfo {
  /** `inactive`, `pending`, `active`, `error`, `locked`. */
  localNodeState: string;
  /** Whether this node is a manager (only managers serve the service API). */
  controlAvailable: boolean;
}

/** Update settings of a service (`Spec.UpdateConfig`); fields dewy does not touch are kept. */
export interface UpdateConfig {
  /** Tasks updated at once (0 = all). */
  Parallelism?: number;
  /** Nanoseconds between batches. */
  Delay?: number;
  /** `pause`, `continue` or `rollback`. */
  FailureAction?: string;
  /** Nanoseconds a task is watched after its update for a failure. */
  Monitor?: number;
  /** Share of tasks that may fail before the failure action. */
  MaxFailureRatio?: number;
  /** `stop-first` or `start-first`. */
  Order?: string;
  [field: string]: unknown;
}

/**
 * A service spec as the engine returns it. Only the fields dewy reads or changes are typed;
 * every other field travels back unchanged in an update.
 */
export interface ServiceSpec {
  Name?: string;
  TaskTemplate?: {
    ContainerSpec?: { Image?: string; [field: string]: unknown };
    [field: string]: unknown;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: unknown; [field: string]: unknown };
  UpdateConfig?: UpdateConfig;
  [field: string]: unknown;
}

/** Where a service update stands (`UpdateStatus`); absent before the first update. */
export interface UpdateStatus {
  /** `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`, `rollback_completed`. */
  state: string;
  /** When the update began (RFC 3339): tells one update from the next. */
  startedAt: string;
  /** The engine's words, e.g. `update paused due to failure or early termination of task …`. */
  message: string;
}

/** A service (`GET /services/{id}`). */
export interface SwarmService {
  id: string;
  /** `Version.Index`: an update must name it (optimistic concurrency). */
  version: number;
  spec: ServiceSpec;
  /** Whether the engine keeps a previous spec (a `rollback=previous` update needs one). */
  hasPreviousSpec: boolean;
  updateStatus?: UpdateStatus;
}

/** A task of a service (`GET /tasks`). */
export interface SwarmTask {
  id: string;
  /** Node the task was scheduled on (`""` before scheduling). */
  nodeId: string;
  /** Replica slot (0 for a global service). */
  slot: number;
  /** What Swarm wants: `running`, `shutdown`, ... */
  desiredState: string;
  /** Where it is: `new` … `running`, `complete`, `failed`, `rejected`, `shutdown`, ... */
  state: string;
  /** Engine message or error of the task's last state change. */
  message: string;
  /** Image the task runs (`repo:tag@sha256:...`). */
  image: string;
  /** When the task entered its state (RFC 3339). */
  since: string;
}

/** A swarm node (`GET /nodes`). */
export interface SwarmNode {
  id: string;
  hostname: string;
}

/** Options of {@link SwarmEngine.updateService}. */
export interface ServiceUpdateOptions {
  /** Credentials every node uses to pull (sent as `X-Registry-Auth`). */
  auth?: RegistryAuth;
  /** Ask Swarm to go back to the previous spec (`rollback=previous`) instead of `spec`. */
  rollback?: boolean;
  signal?: AbortSignal;
}

/**
 * The Swarm operations of `dewy service`. Every method rejects with an `EngineError` or an
 * `EngineUnreachableError`, as the container operations do.
 */
export interface SwarmEngine {
  /** This node's Swarm state (`GET /info`). */
  swarmInfo(signal?: AbortSignal): Promise<SwarmNodeInfo>;
  /** A service by name or id; `undefined` when there is none. */
  inspectService(name: string, signal?: AbortSignal): Promise<SwarmService | undefined>;
  /** `POST /services/{id}/update?version=…`; returns the engine's warnings. */
  updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    options?: ServiceUpdateOptions,
  ): Promise<string[]>;
  /** The tasks of a service (every desired state; the caller filters). */
  listTasks(serviceId: string, signal?: AbortSignal): Promise<SwarmTask[]>;
  /** The nodes of the swarm. */
  listNodes(signal?: AbortSignal): Promise<SwarmNode[]>;
}
