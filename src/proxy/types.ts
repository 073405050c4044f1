/**
 * The proxy's options, its telemetry hooks and the record of one open connection.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Relay, TcpConn } from "../runtime/types.ts";
import type { ConnectionLimit } from "./connection-limit.ts";
import type { ProxyErrorKind } from "./error-kinds.ts";

/**
 * Receives the proxy's events for metrics. Absent when telemetry is off, in which case the
 * proxy takes no timestamps and makes no calls per connection.
 */
export interface ProxyObserver {
  /** A client connection was accepted. */
  connectionOpened(proxyPort: number): void;
  /** A client connection closed after `seconds`, having moved these bytes each way. */
  connectionClosed(proxyPort: number, seconds: number, bytesIn: number, bytesOut: number): void;
  /** A backend dial finished (successfully or not) after `seconds`. */
  backendConnected(proxyPort: number, seconds: number): void;
  /** A client was closed unserved (no backend accepted it within the retry window, or the cap). */
  error(proxyPort: number, kind: ProxyErrorKind): void;
  /** The number of backends in rotation changed by `delta`. */
  backendsChanged(proxyPort: number, delta: number): void;
}

/** Options of {@link TcpProxy}. */
export interface TcpProxyOptions {
  /** Public port to listen on (0 picks a free one, for tests). */
  port: number;
  /** Interface to listen on; default all interfaces (`::`, falling back to `0.0.0.0`). */
  hostname?: string;
  /** Close a connection after this long without bytes in either direction; 0 = never. */
  idleTimeoutMs?: number;
  /** Give up dialling one backend after this long and try the next. */
  connectTimeoutMs?: number;
  /**
   * When no backend accepts, hold the client and retry with back-off this long before closing
   * it (default 2 s, `RETRY_WINDOW_MS` of `proxy.ts`); 0 closes it at once.
   */
  retryWindowMs?: number;
  /** Telemetry hooks; omit for none. */
  observer?: ProxyObserver;
  /** Logger for failures. */
  logger?: Logger;
  /**
   * The cap on open connections, shared by every proxy of the process (`--max-connections`);
   * default: this proxy's own, from the runtime's descriptor limit (`defaultMaxConnections`).
   */
  connectionLimit?: ConnectionLimit;
}

/** One proxied connection, tracked for draining, idle sweeping and shutdown. */
export interface OpenConnection {
  relay: Relay | null;
  client: TcpConn;
  seenActivity: number;
  idleSweeps: number;
  /** Closed by the proxy (shutdown) while it still waited for a backend. */
  cut: boolean;
}
