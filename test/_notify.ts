/**
 * Helpers shared by the notify and hooks tests.
 *
 * @module
 */
import { Logger } from "../src/log.ts";

/** A debug-level JSON logger whose records land, parsed, in `records`. */
export function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = new Logger({
    format: "json",
    level: "debug",
    write: (line) => records.push(JSON.parse(line)),
  });
  return { logger, records };
}
