/**
 * `dewy container list`: finds the local dewy's admin API by scanning its ten ports and
 * prints the containers it manages.
 *
 * @module
 */
import { type AdminScanOptions, noAdminFound, scanAdminPorts } from "./admin-scan.ts";
import { readContainerList, renderContainerTable } from "./list-table.ts";

/** Options of {@link listContainers}. */
export interface ListContainersOptions extends AdminScanOptions {
  /** Prints one line of the result (stdout), without its newline. */
  write: (line: string) => void;
  /** Prints one error line (default: `console.error`, i.e. stderr). */
  writeError?: (line: string) => void;
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
  const { found, rejected } = await scanAdminPorts(options, "/api/containers", readContainerList);
  if (!found) {
    writeError(noAdminFound(options.adminPort, rejected, "dewy's container list"));
    return 1;
  }
  // Say what was passed over: a failing dewy on an earlier port must not go unnoticed behind
  // the table of another one.
  for (const r of rejected) writeError(`Skipped port ${r.port}: ${r.problem}`);
  renderContainerTable(found.value).forEach((line) => options.write(line));
  if (found.port !== options.adminPort) {
    options.write("");
    options.write(`(Connected to admin API on port ${found.port})`);
  }
  return 0;
}
