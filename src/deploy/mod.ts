/**
 * Container deploys: the {@link DeployManager} and what its callers need.
 *
 * @module
 */
export { DeployManager, type DeployManagerOptions } from "./manager.ts";
export { type Clock, ManualClock, realClock } from "./clock.ts";
export type {
  CheckOutcome,
  CheckResult,
  ContainerInfo,
  DeployObserver,
  DeployStatus,
  TcpProbe,
} from "./types.ts";
export * from "./errors.ts";
