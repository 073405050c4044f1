/**
 * What telemetry records of `dewy service`. The shapes it hands to the admin API
 * (`TaskInfo`, `ServiceStatus`) are the admin API's (`src/admin/types.ts`).
 *
 * @module
 */
import type { DeployObserver } from "../deploy/types.ts";

/** What telemetry records of `dewy service` (the `command="service"` series). */
export type ServiceObserver = Pick<
  DeployObserver,
  "deploymentSucceeded" | "deploymentFailed" | "replicasChanged"
>;
