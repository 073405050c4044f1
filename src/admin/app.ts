/**
 * The admin API as a Hono app: `GET /api/status`, `GET /api/containers`, `POST /api/deploy`
 * and, when telemetry is on, `GET /metrics`. Paths are exact; other paths answer 404 and other
 * methods on a known path 405, both as JSON naming what was asked.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { errorMessage } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../telemetry/prometheus.ts";
import type { AdminDeps } from "./types.ts";

/** `command` of `/api/status`: the original's enum as an integer (server 0, assets 1, container 2). */
const CONTAINER_COMMAND = 2;

/** Options of {@link createAdminApp}. */
export interface AdminAppOptions {
  /** Logger for provider failures. */
  logger?: Logger;
}

/** A JSON answer with a trailing newline, like the original's encoder. */
function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/**
 * Build the admin app. Serve it with `startAdminServer(runtime, app, ...)`.
 *
 * @example
 * ```ts
 * const app = createAdminApp({ status, containers, deployNow, telemetry }, { logger });
 * const res = await app.fetch(new Request("http://localhost/api/status"));
 * ```
 */
export function createAdminApp(deps: AdminDeps, options: AdminAppOptions = {}): Hono {
  const log = options.logger ?? silentLogger;
  const app = new Hono();
  const allowed = new Map<string, string>();
  const route = (method: "get" | "post", path: string, handler: (c: Context) => Response | Promise<Response>) => {
    app[method](path, handler);
    allowed.set(path, method === "get" ? "GET, HEAD" : "POST");
  };

  route("get", "/api/status", () => {
    const s = deps.status();
    return json({
      command: CONTAINER_COMMAND,
      current_version: s.currentVersion,
      is_running: false,
      name: s.name,
      proxy_backends: s.proxyBackends,
    });
  });

  route("get", "/api/containers", async (c) => {
    try {
      return json({ containers: await deps.containers(c.req.raw.signal) });
    } catch (error) {
      log.error("Admin API cannot list containers", { error });
      return json({ error: `cannot list containers: ${errorMessage(error)}` }, 500);
    }
  });

  route("post", "/api/deploy", () => {
    const trigger = deps.deployNow();
    const message = trigger === "started"
      ? "registry check started"
      : "a check is running; another one will follow it";
    return json({ status: trigger, message }, 202);
  });

  const telemetry = deps.telemetry;
  if (telemetry) {
    route("get", "/metrics", async () =>
      new Response(await telemetry.metricsText(), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
      }));
  }

  for (const [path, methods] of allowed) {
    app.all(path, (c) =>
      json(
        { error: `method ${c.req.method} not allowed on ${path}; use ${methods.split(",")[0]}` },
        405,
        { allow: methods },
      ));
  }
  app.notFound((c) =>
    json({ error: `not found: ${c.req.path}`, paths: [...allowed.keys()] }, 404)
  );
  app.onError((error, c) => {
    log.error("Admin API request failed", { path: c.req.path, error });
    return json({ error: `internal error: ${errorMessage(error)}` }, 500);
  });
  return app;
}
