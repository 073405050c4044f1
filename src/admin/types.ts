/**
 * What the admin API reads and triggers. The deploy manager (`src/deploy/manager.ts`) and the
 * service manager (`src/service/manager.ts`) implement {@link AdminSource} as they are;
 * telemetry supplies {@link MetricsSource}.
 *
 * @module
 */
import type { CheckResult, ContainerInfo, DeployStatus } from "../deploy/types.ts";

/**
 * The live state and the deploy trigger behind `/api/*`.
 *
 * @example
 * ```ts
 * const app = createAdminApp(manager, { telemetry, logger }); // manager: DeployManager
 * ```
 */
export interface AdminSource {
  /** Current state for `GET /api/status`; called per request, must be cheap. */
  status(): DeployStatus | ServiceStatus;
  /**
   * What runs, for `GET /api/containers`: the managed containers (container mode) or the
   * service's tasks (service mode); rejects when the engine fails.
   */
  containers(signal?: AbortSignal): Promise<ContainerInfo[] | TaskInfo[]>;
  /**
   * Run a registry check now (`POST /api/deploy`); resolves when it finished. Checks never
   * overlap: a request during a check gets the one that follows it.
   */
  checkNow(): Promise<CheckResult>;
}

/** Renders `/metrics` (a `Telemetry`); absent when telemetry is off. */
export interface MetricsSource {
  /** The Prometheus text exposition of every metric now. */
  metricsText(): Promise<string>;
}

/** One task of the service as `GET /api/containers` shows it in service mode. */
export interface TaskInfo {
  /** Task id. */
  id: string;
  /** Replica slot (0 for a global service). */
  slot: number;
  /** Hostname of the node it runs on (its id when the node is unknown). */
  node: string;
  /** Swarm task state, e.g. `running`, `preparing`, `failed`. */
  state: string;
  /** The tag it runs, `""` when its image has none. */
  version: string;
  /** Image reference it runs (`REPO:TAG@sha256:…`). */
  image: string;
  /** When it entered its state (RFC 3339). */
  since: string;
  /** Swarm's message or error for that state. */
  message: string;
}

/** `/api/status` in service mode: the container-mode fields plus the service's own. */
export interface ServiceStatus extends DeployStatus {
  /** The Swarm service followed. */
  service: string;
  /** Replicas the service wants; `undefined` for a global service. */
  desiredReplicas: number | undefined;
}
