/**
 * The proxy's idle timeout: a connection without bytes in either direction for
 * {@link IDLE_SWEEPS} sweeps in a row (one sweep every timeout / 4) is closed.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { OpenConnection } from "./types.ts";

/** How many sweeps without activity make a connection idle (sweep period = timeout / 4). */
export const IDLE_SWEEPS = 4;

/** One sweep over `open`: close the relays idle for {@link IDLE_SWEEPS} sweeps. */
export function sweepIdle(open: Iterable<OpenConnection>, log: Logger, proxyPort: number): void {
  for (const connection of open) {
    const relay = connection.relay;
    if (!relay) continue;
    if (relay.activity !== connection.seenActivity) {
      connection.seenActivity = relay.activity;
      connection.idleSweeps = 0;
    } else if (++connection.idleSweeps >= IDLE_SWEEPS) {
      log.debug("Closing idle connection", { proxy_port: proxyPort });
      relay.close();
    }
  }
}
