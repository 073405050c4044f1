/**
 * Notifications: the {@link Notifier} the deploy manager uses, its factory, and the message
 * texts.
 *
 * @module
 */
export type { Channel, HookKind, Notifier, Priority } from "./types.ts";
export { createNotifier, type CreateNotifierOptions } from "./factory.ts";
export { ErrorLimitingNotifier, MAX_ERROR_COUNT, nullNotifier } from "./limiter.ts";
export * from "./messages.ts";
