/**
 * Why the proxy gave up on a client or a backend: the `error.type` of
 * `dewy.proxy.errors.total`.
 *
 * @module
 */

/** Every cause the proxy counts, in the order the metrics list them. */
export const PROXY_ERROR_KINDS = ["no_backend", "connect_failed", "max_connections"] as const;

/**
 * Why a client was closed unserved. `no_backend`: none in rotation; `connect_failed`: every
 * dial failed (both once `--proxy-retry-window` ran out); `max_connections`: refused at the
 * `--max-connections` cap.
 */
export type ProxyErrorKind = typeof PROXY_ERROR_KINDS[number];
