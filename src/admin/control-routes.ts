/**
 * The admin API's control endpoints: `POST /api/pause`, `POST /api/resume`,
 * `POST /api/rollback?version=`, `GET /api/history`, and the control part of `GET /api/status`.
 * A refused request answers one line (`{"error": …}`) with 400/404/409 and changes nothing.
 *
 * @module
 */
import type { Context } from "hono";
import { ControlRequestError } from "../control/control.ts";
import type { ControlActions } from "../control/actions.ts";
import type { HistoryEntry, PauseState, Requester } from "../control/types.ts";
import { errorMessage, oneLine } from "../errors.ts";
import type { Logger } from "../log.ts";

/** The header by which `dewy container pause|resume|rollback` says it is the CLI. */
export const CLIENT_HEADER = "dewy-client";

/** Registers one route (the admin app's `route`, which also records the allowed methods). */
export type RouteAdder = (
  method: "get" | "post",
  path: string,
  handler: (c: Context) => Response | Promise<Response>,
) => void;

/** A JSON answer (the admin app's `json`). */
export type JsonAnswer = (body: unknown, status?: number) => Response;

/** A history entry on the wire. */
export function historyJson(entry: HistoryEntry): Record<string, unknown> {
  return {
    version: entry.version,
    digest: entry.digest,
    started_at: new Date(entry.startedAt).toISOString(),
    duration_ms: entry.durationMs,
    outcome: entry.outcome,
    ...(entry.reason !== undefined && { reason: entry.reason }),
    trigger: entry.trigger,
  };
}

/** The pause on the wire (`null` when automatic deploys run). */
export function pauseJson(pause: Readonly<PauseState> | undefined): Record<string, unknown> | null {
  if (!pause) return null;
  return {
    kind: pause.kind,
    reason: pause.reason,
    by: pause.by,
    since: new Date(pause.since).toISOString(),
    version: pause.target?.version ?? null,
  };
}

function requester(c: Context): Requester {
  return c.req.header(CLIENT_HEADER) === "cli" ? "cli" : "api";
}

/** Longest reason kept: it goes into the state file, the logs and every notification. */
const MAX_REASON_CHARS = 200;

function reasonOf(c: Context): string {
  return oneLine(c.req.query("reason") ?? "").slice(0, MAX_REASON_CHARS);
}

/** Register the control endpoints on the admin app. */
export function registerControlRoutes(
  route: RouteAdder,
  json: JsonAnswer,
  actions: ControlActions,
  log: Logger,
): void {
  const refused = (error: unknown, what: string): Response => {
    if (error instanceof ControlRequestError) {
      return json({ error: `${what} refused: ${error.message}` }, error.status);
    }
    log.error(`Admin API ${what} failed`, { error: errorMessage(error) });
    return json({ error: `${what} failed: ${oneLine(errorMessage(error))}` }, 500);
  };

  route("get", "/api/history", () => json({ history: actions.history().map(historyJson) }));

  route("post", "/api/pause", async (c) => {
    try {
      const pause = await actions.pause({ by: requester(c), reason: reasonOf(c) });
      return json({ status: "paused", pause: pauseJson(pause) });
    } catch (error) {
      return refused(error, "pause");
    }
  });

  route("post", "/api/resume", async (c) => {
    try {
      await actions.resume({ by: requester(c) });
      return json({ status: "resumed", message: "automatic deploys resumed; a check runs now" });
    } catch (error) {
      return refused(error, "resume");
    }
  });

  route("post", "/api/rollback", async (c) => {
    const version = c.req.query("version");
    try {
      const target = await actions.rollback({
        version: version === "" ? undefined : version,
        by: requester(c),
        reason: reasonOf(c),
        signal: c.req.raw.signal,
      });
      return json({
        status: "rolled back",
        version: target.version,
        digest: target.digest,
        pause: pauseJson(actions.pauseState()),
      });
    } catch (error) {
      return refused(error, `rollback${version ? ` to ${version}` : ""}`);
    }
  });
}
