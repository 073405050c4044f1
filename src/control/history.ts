/**
 * One history entry from a finished deploy: its outcome follows from whether it failed and
 * whether a new replica had already served (then it was rolled back).
 *
 * @module
 */
import { errorMessage, oneLine } from "../errors.ts";
import type { DeployTrigger, HistoryEntry, VersionRef } from "./types.ts";

/** What a deploy mode knows when a deploy has finished. */
export interface FinishedDeploy {
  /** The version deployed. */
  target: VersionRef;
  /** What started it. */
  trigger: DeployTrigger;
  /** Start and end, epoch ms. */
  startedAt: number;
  /** End, epoch ms. */
  endedAt: number;
  /** The failure; absent when it worked. */
  error?: unknown;
  /** Whether a new replica had joined the rotation before it failed. */
  served?: boolean;
}

/** The history entry of `deploy`. */
export function historyEntry(deploy: FinishedDeploy): HistoryEntry {
  const { target, error } = deploy;
  return {
    version: target.version,
    digest: target.digest,
    startedAt: deploy.startedAt,
    durationMs: Math.max(0, deploy.endedAt - deploy.startedAt),
    outcome: error === undefined ? "deployed" : deploy.served ? "rolled back" : "failed",
    ...(error !== undefined && { reason: oneLine(errorMessage(error)) }),
    trigger: deploy.trigger,
  };
}
