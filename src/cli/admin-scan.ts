/**
 * Finding the local dewy's admin API the way `dewy container list` always has: ask `--admin-port`
 * and the next nine ports on 127.0.0.1 in turn; the first that gives dewy's answer is used, other
 * servers in the range are passed over (and named).
 *
 * @module
 */
import { ADMIN_PORT_ATTEMPTS } from "../admin/server.ts";
import { readBodyAtMost } from "../body.ts";
import { errorMessage, oneLine } from "../errors.ts";
import { printable } from "./printable.ts";

/** Timeout of one `dewy container list` request to an admin port. */
export const ADMIN_CLIENT_TIMEOUT_MS = 2_000;
/** Cap on an answer read from an admin port (whatever listens there may be hostile): 1 MiB. */
export const ADMIN_ANSWER_MAX_BYTES = 1024 * 1024;

/** Options of {@link scanAdminPorts}. */
export interface AdminScanOptions {
  /** First admin port to try; the next nine are tried too. */
  adminPort: number;
  /** HTTP client (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Stops the scan early. */
  signal?: AbortSignal;
  /** How long one port gets to answer (default {@link ADMIN_CLIENT_TIMEOUT_MS}, 2 s). */
  timeoutMs?: number;
}

/** A port that gave an HTTP answer that is not dewy's, and what it was. */
export interface RejectedPort {
  /** The port. */
  port: number;
  /** What answered, e.g. `status 404: not found`. */
  problem: string;
}

/** Dewy's answer, read from `port`. */
export interface FoundAdmin<T> {
  /** The admin API's port. */
  port: number;
  /** The answer, as read by the caller. */
  value: T;
}

/** What `body` says beyond its status: the `error` field of a JSON body (as dewy sends). */
export function errorField(body: string): string {
  try {
    const error = (JSON.parse(body) as { error?: unknown } | null)?.error;
    return typeof error === "string" ? `: ${printable(oneLine(error)).slice(0, 200)}` : "";
  } catch {
    return "";
  }
}

async function ask<T>(
  options: AdminScanOptions,
  port: number,
  path: string,
  read: (body: unknown) => T,
): Promise<FoundAdmin<T> | RejectedPort | undefined> {
  const http = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? ADMIN_CLIENT_TIMEOUT_MS);
  let status: number;
  let bytes: Uint8Array | undefined;
  try {
    const response = await http(`http://127.0.0.1:${port}${path}`, {
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    status = response.status;
    bytes = await readBodyAtMost(response, ADMIN_ANSWER_MAX_BYTES);
  } catch {
    return undefined;
  }
  if (!bytes) return { port, problem: `status ${status}, answer larger than 1 MiB` };
  const body = new TextDecoder().decode(bytes);
  if (status !== 200) return { port, problem: `status ${status}${errorField(body)}` };
  try {
    return { port, value: read(JSON.parse(body)) };
  } catch (error) {
    return { port, problem: `failed to parse response: ${oneLine(errorMessage(error))}` };
  }
}

/**
 * `GET http://127.0.0.1:PORT<path>` on `adminPort` … `adminPort + 9`, each bounded by the
 * timeout; the first 200 whose JSON body `read` accepts (returns without throwing) is found.
 * Resolves with it (if any) and every other answer passed over before it.
 */
export async function scanAdminPorts<T>(
  options: AdminScanOptions,
  path: string,
  read: (body: unknown) => T,
): Promise<{ found?: FoundAdmin<T>; rejected: RejectedPort[] }> {
  const rejected: RejectedPort[] = [];
  for (let port = options.adminPort; port < options.adminPort + ADMIN_PORT_ATTEMPTS; port++) {
    if (options.signal?.aborted) break;
    const answer = await ask(options, port, path, read);
    if (answer && "value" in answer) return { found: answer, rejected };
    if (answer) rejected.push(answer);
  }
  return { rejected };
}

/**
 * The one-line error when no port answered as dewy: the range, what answered instead, and
 * what to do. `what` names the answer looked for (`dewy's container list`).
 */
export function noAdminFound(adminPort: number, rejected: RejectedPort[], what: string): string {
  const last = adminPort + ADMIN_PORT_ATTEMPTS - 1;
  const answers = rejected.map((r) => `port ${r.port} ${r.problem}`).join(", ");
  return `Error: no running dewy instances found (tried ports ${adminPort}-${last}` +
    (answers ? `; answers that are not ${what}: ${answers}` : "") +
    `); start one with "dewy container --registry img://HOST/REPO --port PROXY", ` +
    `or pass the --admin-port it was started with`;
}
