/**
 * Run dewy's CLI from source as a child process on the runtime running the tests
 * (`deno run -A mod.ts …` or `bun mod.ts …`), collecting what it prints.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";

/** A running CLI child. */
export interface CliChild {
  /** The process. */
  child: ChildProcess;
  /**
   * Send `name` to the child. Not `child.kill()`: Deno's `node:child_process` reports any
   * child it was asked to kill as ended by that signal, even when it exited by itself.
   */
  signal(name: "SIGINT" | "SIGTERM" | "SIGQUIT"): void;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves once `pattern` appears in the output; rejects after `ms`. */
  printed(pattern: RegExp, ms?: number): Promise<void>;
  /** The exit code (null when killed by a signal); the child is killed after `ms`. */
  exited(ms?: number): Promise<number | null>;
}

/** Start `dewy <args>` from the repository root with `env` added to the environment. */
export function startCli(args: string[], env: Record<string, string> = {}): CliChild {
  const root = new URL("../", import.meta.url).pathname;
  const [command, ...prefix] = "Deno" in globalThis
    ? [process.execPath, "run", "-A", "--no-check", "mod.ts"]
    : [process.execPath, "mod.ts"];
  const child = spawn(command, [...prefix, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (d: unknown) => (output += d);
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exit = once(child, "exit").then(([code]) => code as number | null);
  return {
    child,
    signal: (name) => process.kill(child.pid!, name),
    output: () => output,
    async printed(pattern, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the CLI did not print ${pattern}; it printed:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async exited(ms = 60_000) {
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
