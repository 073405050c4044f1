/**
 * The operator's verbs as the admin API calls them: pause (holding what serves), resume (then
 * a check at once), rollback, and the state they read. One object per deploy mode, built from
 * the mode and its {@link DeployControl}.
 *
 * @module
 */
import type { DeployControl } from "./control.ts";
import { type ControlledMode, rollBack, type RollbackRequest } from "./rollback.ts";
import type { HistoryEntry, PauseState, Requester, VersionRef } from "./types.ts";

/** What the admin API's control endpoints call. */
export interface ControlActions {
  /** The pause in force, if any. */
  pauseState(): Readonly<PauseState> | undefined;
  /** The last deploys, oldest first. */
  history(): readonly HistoryEntry[];
  /** Pause automatic deploys; see {@link DeployControl.pause}. */
  pause(request: { by: Requester; reason: string }): Promise<PauseState>;
  /** Resume automatic deploys and start a check at once. */
  resume(request: { by: Requester }): Promise<void>;
  /** Roll back and pin; see {@link rollBack}. */
  rollback(request: RollbackRequest): Promise<VersionRef>;
}

/** A mode that can also run a registry check on request (`resume`). */
export interface ResumableMode extends ControlledMode {
  /** Start a check now; its outcome is the mode's to report. */
  checkNow(): Promise<unknown>;
}

/** The {@link ControlActions} of `mode` under `control`. */
export function controlActions(control: DeployControl, mode: ResumableMode): ControlActions {
  return {
    pauseState: () => control.pauseState,
    history: () => control.history(),
    pause: (request) => control.pause(request, mode.serving()),
    async resume(request) {
      await control.resume(request);
      void mode.checkNow();
    },
    rollback: (request) => rollBack(control, mode, request),
  };
}
