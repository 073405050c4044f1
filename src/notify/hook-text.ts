/**
 * Plain-text pieces of a hook-result notification, shared by the Slack and mail channels.
 *
 * @module
 */
import { type HookResult, hookSucceeded } from "../hooks/result.ts";
import type { HookKind } from "./types.ts";

/** Lines of hook output shown in a notification; the rest is cut off and counted. */
export const NOTIFIED_OUTPUT_MAX_LINES = 50;
/** Characters of hook output shown in a notification (Slack fields hold about 3000). */
export const NOTIFIED_OUTPUT_MAX_CHARS = 2000;

/** `SUCCESS` or `FAILED`, as in the hook mail subject. */
export function hookStatus(result: HookResult): "SUCCESS" | "FAILED" {
  return hookSucceeded(result) ? "SUCCESS" : "FAILED";
}

/** The title of a hook notification: `Before Deploy Hook`. */
export function hookTitle(kind: HookKind): string {
  return `${kind} Hook`;
}

/** A duration the way Go prints it: `850ms`, `1.25s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Hook output cut to {@link NOTIFIED_OUTPUT_MAX_LINES} lines and about
 * {@link NOTIFIED_OUTPUT_MAX_CHARS} characters (at a line break when there is one), with a
 * note saying how much was left out.
 */
export function truncateOutput(output: string): string {
  const lines = output.split("\n");
  let text = lines.slice(0, NOTIFIED_OUTPUT_MAX_LINES).join("\n");
  if (lines.length > NOTIFIED_OUTPUT_MAX_LINES) {
    text += `\n... (${lines.length - NOTIFIED_OUTPUT_MAX_LINES} more lines truncated)`;
  }
  if (text.length <= NOTIFIED_OUTPUT_MAX_CHARS) return text;
  const limit = NOTIFIED_OUTPUT_MAX_CHARS - 100; // room for the note
  const lastBreak = text.lastIndexOf("\n", limit);
  const cut = lastBreak > 0 ? lastBreak : limit;
  return `${text.slice(0, cut)}\n... (${output.length - cut} more characters truncated)`;
}

/** A hook result as plain text (mail body): command, exit code, duration, output. */
export function hookResultText(kind: HookKind, result: HookResult): string {
  const parts = [
    `${hookTitle(kind)} ${hookStatus(result)}${result.timedOut ? " (timed out)" : ""}`,
    `Command: ${result.command}`,
    `Exit Code: ${result.exitCode}`,
    `Duration: ${formatDuration(result.durationMs)}`,
  ];
  if (result.stdout !== "") parts.push(`Stdout:\n${truncateOutput(result.stdout)}`);
  if (result.stderr !== "") parts.push(`Stderr:\n${truncateOutput(result.stderr)}`);
  return parts.join("\n\n");
}
