/**
 * The admin API: {@link createAdminApp} builds the Hono app, {@link startAdminServer} binds it
 * on 127.0.0.1 (the requested port or the next free of ten).
 *
 * @module
 */
export { type AdminAppOptions, createAdminApp } from "./app.ts";
export {
  ADMIN_HOST,
  type AdminServer,
  type AdminServerOptions,
  startAdminServer,
} from "./server.ts";
export type { AdminSource, MetricsSource } from "./types.ts";
