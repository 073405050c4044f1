/**
 * What the admin API reads and triggers. The deploy manager (`src/deploy/manager.ts`)
 * implements {@link AdminSource} as it is; telemetry supplies {@link MetricsSource}.
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
  status(): DeployStatus;
  /** The running managed containers for `GET /api/containers`; rejects when the engine fails. */
  containers(signal?: AbortSignal): Promise<ContainerInfo[]>;
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
