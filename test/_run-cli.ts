/**
 * Runs dewy's command line (`mod.ts`) in a child process on the runtime running the tests.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";
import { runtimeName } from "../src/runtime/detect.ts";

/**
 * The command that runs dewy's CLI from source on the runtime running the tests, in the
 * repository folder: `deno run -A --no-check mod.ts`, `bun mod.ts` or `node mod.ts`.
 */
export function cliCommand(): string[] {
  return runtimeName === "deno"
    ? [process.execPath, "run", "-A", "--no-check", "mod.ts"]
    : [process.execPath, "mod.ts"];
}

/** Exit code and combined stdout + stderr of one {@link runCli}. */
export interface CliRun {
  /** Exit code (`null` if the child was killed). */
  code: number | null;
  /** Everything the child printed, stdout and stderr interleaved. */
  output: string;
}

/**
 * Run `mod.ts` with `args` and `env` (merged over this process's environment), killed after
 * `timeoutMs`; resolves when it exits.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<CliRun> {
  const root = new URL("../", import.meta.url).pathname;
  const [command, ...runArgs] = cliCommand();
  const child = spawn(command, [...runArgs, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = await once(child, "exit");
  clearTimeout(timer);
  return { code, output };
}
