/**
 * What the admin API reads and triggers, and the JSON shapes it answers with (reference §5.2,
 * §5.3). The deploy manager implements {@link AdminDeps}.
 *
 * @module
 */

/** One managed container as `GET /api/containers` lists it (snake_case as on the wire). */
export interface ContainerInfo {
  /** Full container id. */
  id: string;
  /** Name without the leading `/`, e.g. `myapp-1721370000-0`. */
  name: string;
  /** Image reference as run. */
  image: string;
  /** Engine state, e.g. `running`. */
  status: string;
  /** `HostIp:HostPort` of the first proxied port, `""` when none. */
  ip_port: string;
  /** RFC 3339 start time. */
  started_at: string;
  /** RFC 3339 deploy time (label `dewy.deployed_at`, else `started_at`). */
  deployed_at: string;
  /** Every label of the container. */
  labels: Record<string, string>;
}

/** The live state `GET /api/status` reports. */
export interface AdminStatus {
  /** App name. */
  name: string;
  /** Last successfully deployed version in this process, `""` before the first one. */
  currentVersion: string;
  /** Backends over all proxy ports (replicas × ports). */
  proxyBackends: number;
}

/** What `deployNow()` did: a check started, or one is running and another will follow it. */
export type DeployTrigger = "started" | "queued";

/**
 * Everything the admin app needs from the rest of dewy.
 *
 * @example
 * ```ts
 * const app = createAdminApp({
 *   status: () => ({ name: "myapp", currentVersion: manager.version, proxyBackends: 2 }),
 *   containers: (signal) => manager.containers(signal),
 *   deployNow: () => manager.checkNow(),
 *   telemetry, // undefined when telemetry is off
 * });
 * ```
 */
export interface AdminDeps {
  /** Current status; called per request, must be cheap. */
  status(): AdminStatus;
  /** The running managed containers, inspected; rejects when the engine fails. */
  containers(signal: AbortSignal): Promise<ContainerInfo[]>;
  /** Run a registry check now instead of waiting for the interval; returns at once. */
  deployNow(): DeployTrigger;
  /** The metrics source; absent when telemetry is off (then `/metrics` is 404). */
  telemetry?: { metricsText(): Promise<string> };
}
