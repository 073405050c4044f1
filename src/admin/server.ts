/**
 * Binding the admin API: 127.0.0.1 on `--admin-port`, or the next free one of
 * `ADMIN_PORT_ATTEMPTS` consecutive ports (so several dewy instances can share a host and
 * `dewy container list` finds them all by scanning the same range).
 *
 * @module
 */
import type { HttpServer, Runtime } from "../runtime/types.ts";
import { errorMessage, RuntimeFailure } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { refuseForeign } from "./guard.ts";

/** How many consecutive admin ports are tried (and scanned by `dewy container list`). */
export const ADMIN_PORT_ATTEMPTS = 10;

/** The interface the admin API listens on (never exposed beyond the host). */
export const ADMIN_HOST = "127.0.0.1";

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  /** First port to try (`--admin-port`); 0 binds any free port (tests). */
  port: number;
  /** How many consecutive ports to try (default {@link ADMIN_PORT_ATTEMPTS}). */
  attempts?: number;
  /** Logger for the bound port and fallbacks. */
  logger?: Logger;
}

/** A running admin server. */
export interface AdminServer {
  /** The HTTP server (close it at shutdown). */
  server: HttpServer;
  /** The port actually bound. */
  port: number;
}

/**
 * Serve `app` on the first free port of `port … port+attempts-1` on 127.0.0.1, refusing
 * requests from web pages (see `guard.ts`: an `Origin` header, a `Host` that is not this
 * host's loopback name with the bound port). Throws a {@link RuntimeFailure} naming the range when every port is taken.
 */
export async function startAdminServer(
  runtime: Runtime,
  app: { fetch(request: Request): Response | Promise<Response> },
  options: AdminServerOptions,
): Promise<AdminServer> {
  const attempts = options.attempts ?? ADMIN_PORT_ATTEMPTS;
  const log = options.logger ?? silentLogger;
  // Port 0 (any free port) needs one attempt; the range never runs past 65535.
  const last = options.port === 0 ? 0 : Math.min(65_535, options.port + attempts - 1);
  let lastError: unknown;
  for (let port = options.port; port <= last; port++) {
    try {
      // With port 0 the bound port is known only once serving: until then, refuse all.
      let bound = port;
      const server = await runtime.serveHttp({
        hostname: ADMIN_HOST,
        port,
        fetch: (r) => refuseForeign(r, bound) ?? app.fetch(r),
      });
      bound = server.port;
      if (port !== options.port) {
        log.warn("Admin API port taken, using the next free one", {
          requested: options.port,
          port,
        });
      }
      log.info("Admin API started", { address: `http://${ADMIN_HOST}:${server.port}` });
      return { server, port: server.port };
    } catch (error) {
      lastError = error;
      log.debug("Admin API port unavailable", { port, error });
    }
  }
  throw new RuntimeFailure(
    `Cannot start the admin API: ports ${options.port}-${last} on ${ADMIN_HOST} are all unavailable ` +
      `(${errorMessage(lastError)}); stop other dewy instances or choose another --admin-port`,
    { cause: lastError },
  );
}
