/**
 * Shutdown of `dewy container`, in the order that loses no connection: start no new deploy,
 * stop accepting, drain, remove the managed containers, close the admin API, flush telemetry.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { runShutdownSteps } from "../lifecycle/steps.ts";
import type { StopSignal } from "../notify/mod.ts";
import type { TcpProxy } from "../proxy/proxy.ts";
import type { DeployManager } from "../deploy/manager.ts";
import type { AdminServer } from "../admin/server.ts";
import type { Telemetry } from "../telemetry/telemetry.ts";

/** What {@link shutdown} stops: the parts that were started. */
export interface Running {
  /** Proxies listening on their port. */
  proxies: Map<number, TcpProxy>;
  /** The deploy manager, once started. */
  manager: DeployManager | undefined;
  /** The admin API, once listening. */
  admin: AdminServer | undefined;
  /** Telemetry, when on. */
  telemetry: Telemetry | undefined;
  /** Where shutdown is logged. */
  logger: Logger;
  /** How long open proxied connections get to finish. */
  drainMs: number;
  /** A failed start-up: leave the app's running replicas for the next dewy to adopt. */
  leaveRunning?: boolean;
}

/**
 * Start no new deploy, stop accepting on every proxy port, let open connections finish (up to
 * `drainMs`), then stop and remove the managed containers, close the admin API, and flush
 * telemetry. Every step runs even when an earlier one failed. Without `signal`, start-up failed.
 * Resolves with false when managed containers may be left behind.
 */
export async function shutdown(running: Running, signal?: StopSignal): Promise<boolean> {
  const { proxies, manager, admin, telemetry, logger, drainMs, leaveRunning } = running;
  manager?.stopChecks();
  for (const proxy of proxies.values()) proxy.stopAccepting();
  const open = [...proxies.values()].reduce((sum, p) => sum + p.openConnections, 0);
  if (open > 0 && drainMs > 0) {
    logger.info("Draining open connections", {
      count: open,
      up_to: `${drainMs / 1000}s (--drain-time)`,
    });
  }
  const cut = await Promise.all([...proxies.values()].map((p) => p.drain(drainMs)));
  const cutTotal = cut.reduce((a, b) => a + b, 0);
  if (cutTotal > 0) {
    logger.warn("Closed connections still open after the drain time", { count: cutTotal });
  }
  let clean: boolean | undefined; // stays undefined if stopping the containers throws
  await runShutdownSteps([
    ["stop managed containers", async () => {
      clean = (await manager?.shutdown(signal, { leaveRunning })) ?? true;
    }],
    ["close the admin API", () => admin?.server.close()],
    ["flush telemetry", () => telemetry?.shutdown()],
  ], logger);
  for (const proxy of proxies.values()) proxy.close();
  return clean === true;
}
