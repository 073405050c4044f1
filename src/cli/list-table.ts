/**
 * The `dewy container list` table: reads the admin API's `/api/containers` answer and
 * prints `UPSTREAM / DEPLOY TIME / NAME` exactly as Go Dewy does (scripts parse it).
 *
 * @module
 */
import { printable } from "./printable.ts";

/** The fields of one `/api/containers` entry the table shows. */
export interface ListedContainer {
  /** Container name (`myapp-1721370000-0`). */
  name: string;
  /** Published address of the replica (`127.0.0.1:49153`), may be empty. */
  ip_port: string;
  /** RFC 3339 time of the deploy that started it. */
  deployed_at: string;
}

/** The `/api/containers` body was not the expected JSON shape. */
export class ListResponseError extends Error {
  /** @param message what is wrong with the answer */
  constructor(message: string) {
    super(message);
    this.name = "ListResponseError";
  }
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DEPLOY_TIME_WIDTH = "YYYY-MM-DD HH:MM:SS".length + 4;

/**
 * Check the JSON body of `/api/containers`; `{"containers": null}` means none. Names and
 * addresses come back {@link printable}: whatever answers on the port may be hostile.
 */
export function readContainerList(body: unknown): ListedContainer[] {
  const list = (body as { containers?: unknown } | null)?.containers;
  if (list === null) return [];
  if (!Array.isArray(list)) {
    throw new ListResponseError(
      `expected {"containers": [...]}, got ${JSON.stringify(body)?.slice(0, 80)}`,
    );
  }
  return list.map((item, i) => {
    const { name, ip_port, deployed_at } = (item ?? {}) as Record<string, unknown>;
    if (
      typeof name !== "string" || typeof ip_port !== "string" || typeof deployed_at !== "string"
    ) {
      throw new ListResponseError(
        `containers[${i}] lacks the string fields name, ip_port and deployed_at`,
      );
    }
    if (!RFC3339.test(deployed_at) || Number.isNaN(Date.parse(deployed_at))) {
      throw new ListResponseError(
        `containers[${i}].deployed_at "${deployed_at}" is not an RFC 3339 time`,
      );
    }
    return { name: printable(name), ip_port: printable(ip_port), deployed_at };
  });
}

/** `YYYY-MM-DD HH:MM:SS` in the offset the timestamp carries (as Go's `Format` does). */
function deployTime(deployedAt: string): string {
  const [, date, time] = RFC3339.exec(deployedAt)!;
  return `${date} ${time}`;
}

/**
 * The lines of the table: `No containers found.` when empty, otherwise a header and one
 * row per container sorted by name, columns left-aligned (UPSTREAM width = max(8, longest
 * address) + 4, DEPLOY TIME width 23).
 */
export function renderContainerTable(containers: readonly ListedContainer[]): string[] {
  if (containers.length === 0) return ["No containers found."];
  const upstreamWidth = Math.max("UPSTREAM".length, ...containers.map((c) => c.ip_port.length)) + 4;
  const row = (upstream: string, time: string, name: string) =>
    `${upstream.padEnd(upstreamWidth)}${time.padEnd(DEPLOY_TIME_WIDTH)}${name}`;
  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [
    row("UPSTREAM", "DEPLOY TIME", "NAME"),
    ...sorted.map((c) => row(c.ip_port, deployTime(c.deployed_at), c.name)),
  ];
}
