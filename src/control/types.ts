/**
 * The shapes of operator control, shared by every deploy mode: who asked, what a deploy was
 * for and how it ended (history), and the pause that survives restarts.
 *
 * @module
 */

/** Who asked for a pause, resume or rollback: the `dewy container` CLI or another API client. */
export type Requester = "cli" | "api";

/** What started a deploy. */
export type DeployTrigger =
  /** The scheduled registry check (`--interval`). */
  | "poll"
  /** `POST /api/deploy`, or the check that `resume` runs at once. */
  | "api"
  /** `POST /api/rollback`, or a pinned dewy restoring its pinned version. */
  | "rollback"
  /** Replacing replicas that exited or were removed. */
  | "heal";

/** How a deploy ended. */
export type DeployOutcome =
  /** Every replica runs the version. */
  | "deployed"
  /** New replicas had joined the rotation, then were taken out again (canary, health). */
  | "rolled back"
  /** The deploy stopped before a new replica served (pull, hook, start, health). */
  | "failed";

/** A version as deployed: tag, digest and the pinned reference that runs. */
export interface VersionRef {
  /** Tag, e.g. `v1.2.0`. */
  version: string;
  /** Manifest digest (`sha256:…`). */
  digest: string;
  /** Pinned reference that is run (`registry/repo@sha256:…`). */
  image: string;
}

/** One deploy in the history (`GET /api/history`). */
export interface HistoryEntry {
  /** The tag deployed. */
  version: string;
  /** Its digest. */
  digest: string;
  /** When the deploy started, epoch ms. */
  startedAt: number;
  /** How long it took, ms. */
  durationMs: number;
  /** How it ended. */
  outcome: DeployOutcome;
  /** Why it was rolled back or failed; absent when deployed. */
  reason?: string;
  /** What started it. */
  trigger: DeployTrigger;
}

/** A pause of automatic deploys: by an operator (`pause`) or after a rollback (`pin`). */
export interface PauseState {
  /** `pause`: held at what served; `pin`: held at a rolled-back-to version. */
  kind: "pause" | "pin";
  /** The operator's reason (may be empty). */
  reason: string;
  /** Who asked. */
  by: Requester;
  /** Since when, epoch ms. */
  since: number;
  /** The version held; absent when nothing served at the time of the pause. */
  target?: VersionRef;
}

/** Everything kept across restarts, per app. */
export interface ControlState {
  /** The pause in force, if any. */
  pause?: PauseState;
  /** The last deploys, oldest first. */
  history: HistoryEntry[];
}
