/**
 * What a deploy hook run produced, and whether it succeeded; shared by the deploy loop that
 * runs hooks and the notifiers that report them.
 *
 * @module
 */

/** What one hook run did. */
export interface HookResult {
  /** The shell command as configured. */
  command: string;
  /** Exit code of `sh`; 1 when it could not be started or was killed by a signal. */
  exitCode: number;
  /** Captured standard output, trimmed, at most `HOOK_OUTPUT_MAX_BYTES` kept. */
  stdout: string;
  /** Captured standard error, trimmed, at most `HOOK_OUTPUT_MAX_BYTES` kept. */
  stderr: string;
  /** Wall-clock run time in milliseconds. */
  durationMs: number;
  /** Whether the hook was killed because it ran longer than its timeout. */
  timedOut: boolean;
}

/** The deploy a hook runs for; exported to the hook as `DEWY_APP`/`DEWY_VERSION`/`DEWY_IMAGE`. */
export interface HookContext {
  /** App name (`--name`). */
  app: string;
  /** The tag being deployed. */
  version: string;
  /** The image reference being deployed. */
  image: string;
}

/** Whether a hook run counts as success: exit code 0 and not timed out. */
export function hookSucceeded(result: HookResult): boolean {
  return result.exitCode === 0 && !result.timedOut;
}
