/**
 * The process's soft limit on open file descriptors (`ulimit -n`), read from
 * `/proc/self/limits` (Linux): neither Deno nor Bun has an API for `getrlimit`.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** The soft `RLIMIT_NOFILE` of this process; `undefined` when unknown or unlimited. */
export function openFileLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined; // not Linux
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
}
