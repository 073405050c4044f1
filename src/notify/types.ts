/**
 * The notifier interface the deploy manager talks to, and the channel interface the Slack and
 * mail back ends implement underneath it.
 *
 * @module
 */
import type { HookResult } from "../hooks/result.ts";

/** Bound on one notification's Slack API call, and on each wait of an SMTP session. */
export const NOTIFY_TIMEOUT_MS = 15_000;

/** Which hook a result belongs to; shown as `<kind> Hook` in Slack and mail subjects. */
export type HookKind = "Before Deploy" | "After Deploy";

/**
 * Where dewy reports what it does. Three priorities: {@link send} is muted by
 * `quiet=true`, {@link sendImportant} is not; both are muted while errors are unresolved.
 * {@link sendError} counts failures and reports only the first three.
 *
 * No method ever rejects: a delivery failure is logged and dropped, so a broken Slack or mail
 * server never breaks a deploy. The promises resolve once delivery was attempted.
 */
export interface Notifier {
  /** A routine message (start-up, pulled image, signals). */
  send(message: string): Promise<void>;
  /** A message sent even in quiet mode (deploy succeeded). */
  sendImportant(message: string): Promise<void>;
  /** A failed check or deploy; sent as `Error occurred (count: N): <error>` for N ≤ 3. */
  sendError(error: unknown): Promise<void>;
  /** A check succeeded (a skip counts): the error count goes back to 0 and messages flow again. */
  resetErrors(): void;
  /** The result of a deploy hook; quiet mode sends failures only. */
  hookResult(kind: HookKind, result: HookResult): Promise<void>;
  /**
   * Wait (at most `timeoutMs`) until every delivery started so far was attempted: at shutdown,
   * so an error reported without waiting still goes out before dewy exits. Resolves `false`
   * when deliveries were still pending at the deadline.
   */
  settled(timeoutMs: number): Promise<boolean>;
}

/** How a message is delivered: errors and important messages stand out in Slack threads. */
export type Priority = "normal" | "important" | "error";

/**
 * One delivery back end (Slack, mail). Methods reject on failure with an error naming the
 * destination; the {@link Notifier} above them logs it.
 */
export interface Channel {
  /** What to call the destination in logs, e.g. `slack:#deploys` or `mail:ops@example.com`. */
  readonly name: string;
  /** Deliver one text message. */
  message(text: string, priority: Priority): Promise<void>;
  /** Deliver a hook result in the channel's richest form. */
  hookResult(kind: HookKind, result: HookResult): Promise<void>;
}
