/**
 * `dewy container status|pause|resume|rollback|history`: find the local dewy's admin API the
 * way `dewy container list` does (`admin-scan.ts`), send the request as the CLI, print the
 * answer for a person.
 *
 * @module
 */
import { errorMessage, oneLine } from "../errors.ts";
import { type AdminScanOptions, errorField, noAdminFound, scanAdminPorts } from "./admin-scan.ts";
import { renderHistory, renderStatus, type StatusBody } from "./control-text.ts";

/**
 * Bound on one `dewy container pause|resume|rollback|history` request once the admin API was
 * found: a rollback answers when its rolling deploy is done.
 */
const CONTROL_REQUEST_TIMEOUT_MS = 15 * 60_000;

/** What the operator asked for. */
export type ControlAction =
  | { action: "status" }
  | { action: "history" }
  | { action: "pause"; reason: string }
  | { action: "resume" }
  | { action: "rollback"; version?: string; reason: string };

/** Options of {@link runControlAction}. */
export interface ControlClientOptions extends AdminScanOptions {
  /** Prints one line of the result (stdout). */
  write: (line: string) => void;
  /** Prints one error line (stderr). */
  writeError: (line: string) => void;
  /** Bound on the request itself (a rollback waits for its rollout); default 15 min. */
  requestTimeoutMs?: number;
}

/** Accept only dewy's `/api/status` (`command: 2`, container mode, and an app name). */
function readStatus(body: unknown): StatusBody {
  const status = body as StatusBody | null;
  if (status?.command !== 2 || typeof status.name !== "string") {
    throw new Error("not dewy's container status");
  }
  return status;
}

function requestOf(action: ControlAction): { method: string; path: string } | undefined {
  const query = (params: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
    const text = search.toString();
    return text ? `?${text}` : "";
  };
  switch (action.action) {
    case "status":
      return undefined;
    case "history":
      return { method: "GET", path: "/api/history" };
    case "pause":
      return { method: "POST", path: `/api/pause${query({ reason: action.reason })}` };
    case "resume":
      return { method: "POST", path: "/api/resume" };
    case "rollback":
      return {
        method: "POST",
        path: `/api/rollback${query({ version: action.version, reason: action.reason })}`,
      };
  }
}

/**
 * Carry out `action` against the local dewy. Resolves with the exit code: 0 done, 1 no dewy
 * found or the request was refused or failed (one `Error:` line says why; nothing changed
 * when it was refused), 2 when the admin API called the request malformed (HTTP 400).
 */
export async function runControlAction(
  action: ControlAction,
  options: ControlClientOptions,
): Promise<number> {
  const { found, rejected } = await scanAdminPorts(options, "/api/status", readStatus);
  if (!found) {
    options.writeError(noAdminFound(options.adminPort, rejected, "dewy's container status"));
    return 1;
  }
  const request = requestOf(action);
  if (!request) {
    renderStatus(found.value).forEach((line) => options.write(line));
    return 0;
  }
  const http = options.fetch ?? fetch;
  let status: number;
  let text: string;
  try {
    const response = await http(`http://127.0.0.1:${found.port}${request.path}`, {
      method: request.method,
      headers: { "dewy-client": "cli" },
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? CONTROL_REQUEST_TIMEOUT_MS),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    options.writeError(
      `Error: ${action.action} on port ${found.port}: ${oneLine(errorMessage(error))}`,
    );
    return 1;
  }
  if (status !== 200) {
    const why = errorField(text).replace(/^: /, "") || `status ${status}`;
    options.writeError(`Error: ${why}`);
    return status === 400 ? 2 : 1;
  }
  const body = JSON.parse(text);
  if (action.action === "history") {
    renderHistory(body.history ?? []).forEach((line) => options.write(line));
  } else if (action.action === "pause") {
    options.write(`Paused automatic deploys of ${found.value.name}`);
  } else if (action.action === "resume") {
    options.write(`Resumed automatic deploys of ${found.value.name}; a check runs now`);
  } else {
    options.write(`Rolled back ${found.value.name} to ${body.version}; pinned there until resume`);
  }
  return 0;
}
