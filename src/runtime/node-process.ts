/**
 * The process side of a {@link Runtime} through `node:process` (Bun and Node share it):
 * environment, working directory, home, uid/gid, descriptor limit, arguments, exit.
 *
 * @module
 */
import { homedir, hostname, userInfo } from "node:os";
import process from "node:process";
import { openFileLimit } from "./fd-limit.ts";
import type { Runtime } from "./types.ts";

/** `process.env` without its (typed, never present) undefined values. */
function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) copy[name] = value;
  return copy;
}

/** The user dewy runs as; `unknown (why)` when the uid has no passwd entry (a bare container). */
export function userName(): string {
  try {
    return userInfo().username;
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The members of a {@link Runtime} that read or change the process, via `node:process`. */
export const nodeProcess: Pick<
  Runtime,
  | "env"
  | "setEnv"
  | "environment"
  | "cwd"
  | "homeDir"
  | "hostName"
  | "userName"
  | "uid"
  | "gid"
  | "openFileLimit"
  | "args"
  | "exit"
> = {
  env: (name) => process.env[name],
  setEnv: (name, value) => void (process.env[name] = value),
  environment: () => definedOnly(process.env),
  cwd: () => process.cwd(),
  homeDir: () => homedir(),
  hostName: () => hostname(),
  userName,
  uid: () => process.getuid?.() ?? 0,
  gid: () => process.getgid?.() ?? 0,
  openFileLimit,
  args: () => process.argv.slice(2),
  exit: (code) => process.exit(code),
};
