/**
 * The "1,000 idle connections" scenario: open many connections through a proxy, send one
 * keep-alive request on each (so every relay has carried bytes both ways), then hold them
 * open while the proxy's memory is measured. Bounded in time.
 *
 * @module
 */
import { connect, type Socket } from "node:net";

/** Connections held open by {@link openIdleConnections}. */
export interface IdleConnections {
  /** How many answered their request and are still open. */
  open: number;
  /** How many failed (refused, reset, no answer in time). */
  failed: number;
  /** Close them all (reset) and wait until they are gone. */
  close(): Promise<void>;
}

const REQUEST = "GET /small HTTP/1.1\r\nHost: bench\r\n\r\n";

/** Open one connection, send the request, resolve with the socket once an answer arrived. */
function openOne(port: number, ms: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("no answer"))), ms);
    socket.once("error", (error) => (clearTimeout(timer), reject(error)));
    socket.once("connect", () => socket.write(REQUEST));
    socket.once("data", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}

/**
 * Open `count` connections to `127.0.0.1:port`, at most `parallel` at a time, each within
 * `ms`. Resolves once every attempt succeeded or failed.
 */
export async function openIdleConnections(
  port: number,
  count: number,
  parallel = 100,
  ms = 10_000,
): Promise<IdleConnections> {
  const sockets: Socket[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        sockets.push(await openOne(port, ms));
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return {
    open: sockets.filter((s) => !s.destroyed).length,
    failed,
    close: async () => {
      await Promise.all(sockets.map((s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed) return resolve();
          s.once("close", () => resolve());
          s.destroy();
        })
      ));
    },
  };
}
