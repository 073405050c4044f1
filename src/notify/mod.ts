/**
 * Notifications: the {@link Notifier} the deploy manager uses, its factory, the `--notifier`
 * URL, and the message texts.
 *
 * @module
 */
export type { Channel, HookKind, Notifier, Priority } from "./types.ts";
export { createNotifier, type CreateNotifierOptions } from "./factory.ts";
export { ErrorLimitingNotifier, MAX_ERROR_COUNT, nullNotifier } from "./limiter.ts";
export * from "./messages.ts";
export {
  type MailNotifierSpec,
  type MailNotifierUrl,
  type NotifierSpec,
  type NotifierUrl,
  parseNotifierUrl,
  resolveNotifier,
  type SlackNotifierSpec,
  type SlackNotifierUrl,
} from "./url.ts";
