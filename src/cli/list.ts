/**
 * `dewy container list`: finds the local dewy's admin API by scanning its ten ports and
 * prints the containers it manages.
 *
 * @module
 */
import { ADMIN_CLIENT_TIMEOUT_MS, ADMIN_PORT_ATTEMPTS } from "../defaults.ts";
import { errorMessage, oneLine } from "../errors.ts";
import { type ListedContainer, readContainerList, renderContainerTable } from "./list-table.ts";

/** Options of {@link listContainers}. */
export interface ListContainersOptions {
  /** First admin port to try; the next nine are tried too. */
  adminPort: number;
  /** HTTP client (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Prints one line of the result (stdout), without its newline. */
  write: (line: string) => void;
  /** Prints one error line (default: `console.error`, i.e. stderr). */
  writeError?: (line: string) => void;
  /** Stops the scan early. */
  signal?: AbortSignal;
  /** How long one port gets to answer (default {@link ADMIN_CLIENT_TIMEOUT_MS}, 2 s). */
  timeoutMs?: number;
}

/** A port that gave an HTTP answer that is not dewy's container list, and what it was. */
interface Rejected {
  port: number;
  problem: string;
}

/** Dewy's container list, answered on `port`. */
interface Found {
  port: number;
  containers: ListedContainer[];
}

/** Dewy's container list from a port, or what else answered there. */
type Answer = Found | Rejected;

/** What `body` says beyond its status: the `error` field of a JSON body (as dewy sends). */
function errorField(body: string): string {
  try {
    const error = (JSON.parse(body) as { error?: unknown } | null)?.error;
    return typeof error === "string" ? `: ${oneLine(error)}` : "";
  } catch {
    return "";
  }
}

function readAnswer(port: number, status: number, body: string): Answer {
  if (status !== 200) return { port, problem: `status ${status}${errorField(body)}` };
  try {
    return { port, containers: readContainerList(JSON.parse(body)) };
  } catch (error) {
    return { port, problem: `failed to parse response: ${oneLine(errorMessage(error))}` };
  }
}

async function ask(
  http: typeof fetch,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Answer | undefined> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let status: number;
  let body: string;
  try {
    const response = await http(`http://127.0.0.1:${port}/api/containers`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    status = response.status;
    body = await response.text();
  } catch {
    return undefined;
  }
  return readAnswer(port, status, body);
}

/** The first port that answers with dewy's container list, and the answers skipped before it. */
async function scan(
  options: ListContainersOptions,
): Promise<{ found?: Found; rejected: Rejected[] }> {
  const http = options.fetch ?? fetch;
  const rejected: Rejected[] = [];
  for (let port = options.adminPort; port < options.adminPort + ADMIN_PORT_ATTEMPTS; port++) {
    if (options.signal?.aborted) break;
    const answer = await ask(
      http,
      port,
      options.timeoutMs ?? ADMIN_CLIENT_TIMEOUT_MS,
      options.signal,
    );
    if (answer && "containers" in answer) return { found: answer, rejected };
    if (answer) rejected.push(answer);
  }
  return { rejected };
}

/**
 * Ask `GET http://127.0.0.1:PORT/api/containers` on `adminPort` … `adminPort + 9` (each with
 * a 2 s timeout); the first port that answers 200 with dewy's `{"containers": [...]}` is used,
 * other answers (another server on a port of the range, a failing admin API) are skipped.
 * Prints the table, plus `(Connected to admin API on port N)` when that was not `adminPort`;
 * each skipped answer is one `Skipped port N: …` line on `writeError`.
 *
 * @returns the exit code: 0 when the table was printed, 1 when no port answered with dewy's
 *   container list (an `Error:` line on `writeError` names the ports and what answered)
 */
export async function listContainers(options: ListContainersOptions): Promise<number> {
  const writeError = options.writeError ?? ((line: string) => console.error(line));
  const last = options.adminPort + ADMIN_PORT_ATTEMPTS - 1;
  const { found, rejected } = await scan(options);
  if (!found) {
    const answers = rejected.map((r) => `port ${r.port} ${r.problem}`).join(", ");
    writeError(
      `Error: no running dewy instances found (tried ports ${options.adminPort}-${last}` +
        (answers ? `; answers that are not dewy's container list: ${answers}` : "") +
        `); start one with "dewy container --registry img://HOST/REPO --port PROXY", ` +
        `or pass the --admin-port it was started with`,
    );
    return 1;
  }
  // Say what was passed over: a failing dewy on an earlier port must not go unnoticed behind
  // the table of another one.
  for (const r of rejected) writeError(`Skipped port ${r.port}: ${r.problem}`);
  renderContainerTable(found.containers).forEach((line) => options.write(line));
  if (found.port !== options.adminPort) {
    options.write("");
    options.write(`(Connected to admin API on port ${found.port})`);
  }
  return 0;
}
