/**
 * `dewy container list`: finds the local dewy's admin API by scanning its ten ports and
 * prints the containers it manages.
 *
 * @module
 */
import { ADMIN_CLIENT_TIMEOUT_MS, ADMIN_PORT_ATTEMPTS } from "../defaults.ts";
import { errorMessage } from "../errors.ts";
import { readContainerList, renderContainerTable } from "./list-table.ts";

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
}

interface Answer {
  port: number;
  status: number;
  body: string;
}

async function ask(
  http: typeof fetch,
  port: number,
  signal?: AbortSignal,
): Promise<Answer | undefined> {
  const timeout = AbortSignal.timeout(ADMIN_CLIENT_TIMEOUT_MS);
  try {
    const response = await http(`http://127.0.0.1:${port}/api/containers`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return { port, status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

async function scan(options: ListContainersOptions): Promise<Answer | undefined> {
  const http = options.fetch ?? fetch;
  for (let port = options.adminPort; port < options.adminPort + ADMIN_PORT_ATTEMPTS; port++) {
    if (options.signal?.aborted) return undefined;
    const answer = await ask(http, port, options.signal);
    if (answer) return answer;
  }
  return undefined;
}

/**
 * Ask `GET http://127.0.0.1:PORT/api/containers` on `adminPort` … `adminPort + 9` (each with
 * a 2 s timeout); the first port that gives any HTTP answer is used. Prints the table, plus
 * `(Connected to admin API on port N)` when that was not `adminPort`.
 *
 * @returns the exit code: 0 when the table was printed, 1 when no dewy answered, the
 *   admin API answered other than 200, or its answer could not be read (an `Error:` line
 *   on `writeError` says which)
 */
export async function listContainers(options: ListContainersOptions): Promise<number> {
  const writeError = options.writeError ?? ((line: string) => console.error(line));
  const last = options.adminPort + ADMIN_PORT_ATTEMPTS - 1;
  const answer = await scan(options);
  if (!answer) {
    writeError(
      `Error: no running dewy instances found (tried ports ${options.adminPort}-${last}); ` +
        `start one with "dewy container --registry img://HOST/REPO --port PROXY", ` +
        `or pass the --admin-port it was started with`,
    );
    return 1;
  }
  if (answer.status !== 200) {
    writeError(`Error: admin API returned status ${answer.status}`);
    return 1;
  }
  let lines: string[];
  try {
    lines = renderContainerTable(readContainerList(JSON.parse(answer.body)));
  } catch (error) {
    writeError(`Error: failed to parse response: ${errorMessage(error)}`);
    return 1;
  }
  lines.forEach((line) => options.write(line));
  if (answer.port !== options.adminPort) {
    options.write("");
    options.write(`(Connected to admin API on port ${answer.port})`);
  }
  return 0;
}
