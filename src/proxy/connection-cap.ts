/**
 * How many client connections the proxy holds at once by default: as many as the descriptor
 * limit allows, two descriptors each (client and backend), after a reserve for everything else
 * dewy keeps open (the engine socket and its streams, the admin API, registry and OTLP
 * clients, the runtime itself).
 *
 * @module
 */

/** Cap used when the descriptor limit is unknown (not Linux) or unlimited. */
export const MAX_CONNECTIONS_UNKNOWN_LIMIT = 10_000;

/** Descriptors kept for dewy's own use: a quarter of the limit, from 64 up to 1024. */
function reserve(fdLimit: number): number {
  return Math.min(1024, Math.max(64, Math.floor(fdLimit / 4)));
}

/**
 * The default `--max-connections` for a soft descriptor limit of `fdLimit` (`ulimit -n`),
 * shared by every proxy port; at least 1.
 *
 * @example `defaultMaxConnections(1024)` is 384; `defaultMaxConnections(undefined)` is 10000
 */
export function defaultMaxConnections(fdLimit: number | undefined): number {
  if (fdLimit === undefined) return MAX_CONNECTIONS_UNKNOWN_LIMIT;
  return Math.max(1, Math.floor((fdLimit - reserve(fdLimit)) / 2));
}
