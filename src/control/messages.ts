/**
 * The texts of the control notifications (pause, resume, pin, skipped version), in one place
 * so the control layer, the deploy modes and the tests use the same words.
 *
 * @module
 */
import type { PauseState, Requester } from "./types.ts";

/** `CLI` or `API`: who asked, as the messages name it. */
function who(by: Requester): string {
  return by === "cli" ? "CLI" : "API";
}

function because(reason: string): string {
  return reason ? ` (reason: ${reason})` : "";
}

/** ``Automatic deploys paused by CLI (reason: …); `v1.2.0` keeps serving`` */
export function pausedMessage(pause: PauseState): string {
  const holding = pause.target ? `; \`${pause.target.version}\` keeps serving` : "";
  return `Automatic deploys paused by ${who(pause.by)}${because(pause.reason)}${holding}`;
}

/** ``Rolled back to `v1.0.0` by CLI (reason: …); pinned there until resume`` */
export function pinnedMessage(pause: PauseState): string {
  return `Rolled back to \`${pause.target?.version}\` by ${who(pause.by)}${
    because(pause.reason)
  }; pinned there until resume`;
}

/** ``Automatic deploys resumed by API (were paused: …)`` */
export function resumedMessage(by: Requester, was: PauseState): string {
  const what = was.kind === "pin" ? `pinned at \`${was.target?.version}\`` : "paused";
  return `Automatic deploys resumed by ${who(by)} (were ${what}${because(was.reason)})`;
}

/** ``Deploy of `v1.3.0` skipped: automatic deploys are paused (reason: …)`` */
export function skippedMessage(version: string, pause: PauseState): string {
  const state = pause.kind === "pin" ? `pinned at \`${pause.target?.version}\`` : "paused";
  return `Deploy of \`${version}\` skipped: automatic deploys are ${state}${because(pause.reason)}`;
}
