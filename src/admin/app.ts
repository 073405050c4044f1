/**
 * The admin API as a Hono app: `GET /api/status`, `GET /api/containers`, `POST /api/deploy`,
 * the control endpoints of `control-routes.ts` and, when telemetry is on, `GET /metrics`. Paths are exact; other paths answer 404 and other
 * methods on a known path 405, both as JSON naming what was asked.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { type Clock, realClock } from "../deploy/clock.ts";
import type { CheckResult, DeployStatus } from "../deploy/types.ts";
import type { ControlActions } from "../control/actions.ts";
import { historyJson, pauseJson, registerControlRoutes } from "./control-routes.ts";
import { errorMessage } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { CheckLimiter } from "./check-limiter.ts";
import type { AdminSource, MetricsSource, ServiceStatus } from "./types.ts";

/** `command` of `/api/status`: Go Dewy's enum (server 0, assets 1, container 2), which `list` checks. */
const STATUS_COMMAND_CONTAINER = 2;

/** `Content-Type` of the Prometheus text exposition format served at `/metrics`. */
const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Options of {@link createAdminApp}. */
export interface AdminAppOptions {
  /** Serves `GET /metrics`; omit when telemetry is off (then `/metrics` is 404). */
  telemetry?: MetricsSource;
  /** Logger for provider failures. */
  logger?: Logger;
  /** Pause, resume, rollback and history; omit for none (their paths are then 404). */
  control?: ControlActions;
  /** Clock of the manual-check rate limit (default: the wall clock). */
  clock?: Clock;
  /** Least time between two manual checks (default `ADMIN_CHECK_INTERVAL_MS`, 5 s). */
  checkIntervalMs?: number;
}

/** A JSON answer with a trailing newline, as Go Dewy's encoder writes it. */
function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The wire form of a finished check, and its HTTP status (a failed check is a 500). */
function checkAnswer(result: CheckResult): Response {
  const body: Record<string, unknown> = { outcome: result.outcome };
  if (result.version !== undefined) body.version = result.version;
  if (result.retryAt !== undefined) body.retry_at = new Date(result.retryAt).toISOString();
  if (result.error !== undefined) body.error = errorMessage(result.error);
  const status = result.outcome === "failed" ? 500 : result.outcome === "stopped" ? 503 : 200;
  return json(body, status);
}

const iso = (ms: number | undefined) => ms === undefined ? null : new Date(ms).toISOString();

/** `GET /api/status`: Go Dewy's fields, then dewy's own (control, checks, errors). */
function statusJson(
  s: DeployStatus | ServiceStatus,
  control: ControlActions | undefined,
): unknown {
  const pause = control?.pauseState();
  const lastDeploy = control?.history().at(-1);
  return {
    command: STATUS_COMMAND_CONTAINER,
    current_version: s.currentVersion,
    is_running: false,
    name: s.app,
    proxy_backends: s.proxyBackends,
    current_digest: s.currentDigest,
    replicas: s.replicas,
    deploying: s.busy,
    paused: pause !== undefined,
    pinned: pause?.kind === "pin",
    pause: pauseJson(pause),
    last_check: s.lastCheck
      ? { at: iso(s.lastCheck.at), outcome: s.lastCheck.outcome, version: s.lastCheck.version }
      : null,
    last_deploy: lastDeploy ? historyJson(lastDeploy) : null,
    last_error: s.lastError ? { at: iso(s.lastError.at), error: s.lastError.message } : null,
    next_check: iso(s.nextCheckAt),
    ...("service" in s && { service: s.service, desired_replicas: s.desiredReplicas }),
    verification: verificationJson(s.verification),
  };
}

/** `verification` of `/api/status`: off, or the keys and the one that signed what runs. */
function verificationJson(v: DeployStatus["verification"]): unknown {
  if (!v) return { enabled: false };
  return { enabled: true, keys: v.keys, signed_by: v.signedBy ?? null };
}

/**
 * Build the admin app. Serve it with `startAdminServer(runtime, app, ...)`.
 *
 * `POST /api/deploy` answers 202 at once (the check runs in the background); with
 * `?wait=true` it answers when the check finished, with its outcome (500 when it failed).
 * Checks start at most once per `checkIntervalMs`: requests within it share the next one.
 *
 * @example
 * ```ts
 * const app = createAdminApp(manager, { telemetry, logger });
 * const res = await app.fetch(new Request("http://localhost/api/status"));
 * ```
 */
export function createAdminApp(source: AdminSource, options: AdminAppOptions = {}): Hono {
  const log = options.logger ?? silentLogger;
  const clock = options.clock ?? realClock;
  const limiter = new CheckLimiter(() => source.checkNow(), clock, options.checkIntervalMs);
  const app = new Hono();
  const allowed = new Map<string, string>();
  const route = (
    method: "get" | "post",
    path: string,
    handler: (c: Context) => Response | Promise<Response>,
  ) => {
    app[method](path, handler);
    allowed.set(path, method === "get" ? "GET, HEAD" : "POST");
  };

  route("get", "/api/status", () => json(statusJson(source.status(), options.control)));

  route("get", "/api/containers", async (c) => {
    try {
      return json({ containers: await source.containers(c.req.raw.signal) });
    } catch (error) {
      log.error("Admin API cannot list containers", { error });
      return json({ error: `cannot list containers: ${errorMessage(error)}` }, 500);
    }
  });

  route("post", "/api/deploy", async (c) => {
    const busy = source.status().busy;
    const { check, startsAt, joined } = limiter.request();
    if (c.req.query("wait") === "true") return checkAnswer(await check);
    if (!joined) {
      check.catch((error) => log.error("Check requested by the admin API failed", { error }));
    }
    const deferred = startsAt > clock.now();
    const message = deferred
      ? `checks start at most once every ${limiter.intervalMs / 1000} s; this request joins the ` +
        `check at ${new Date(startsAt).toISOString()}`
      : busy
      ? "a check is running; another one follows it"
      : "registry check started";
    return json({ status: "accepted", queued: busy || deferred, message }, 202);
  });

  if (options.control) registerControlRoutes(route, json, options.control, log);

  const telemetry = options.telemetry;
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
  app.notFound((c) => json({ error: `not found: ${c.req.path}`, paths: [...allowed.keys()] }, 404));
  app.onError((error, c) => {
    log.error("Admin API request failed", { path: c.req.path, error });
    return json({ error: `internal error: ${errorMessage(error)}` }, 500);
  });
  return app;
}
