/**
 * Deploy hooks: `--before-deploy-hook` and `--after-deploy-hook` run as `sh -c <command>` in
 * dewy's working directory, with dewy's environment plus `DEWY_APP`, `DEWY_VERSION` and
 * `DEWY_IMAGE`, under a timeout that kills the hook's whole process group.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import type { Readable } from "node:stream";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Runtime } from "../runtime/types.ts";
import { type HookContext, type HookResult, hookSucceeded } from "./result.ts";

/** Timeout of a before/after deploy hook. */
const HOOK_TIMEOUT_MS = 5 * 60_000;
/** Bytes of stdout (and of stderr) kept from one hook; the rest is cut off and counted. */
export const HOOK_OUTPUT_MAX_BYTES = 64 * 1024;
/** After a hook's shell exits, how long its output pipes may stay open (a background child). */
const HOOK_OUTPUT_GRACE_MS = 1_000;

/** Options of {@link runHook}. */
export interface RunHookOptions {
  /** Shell command, run as `sh -c <command>`. */
  command: string;
  /** The deploy, exported to the hook's environment. */
  context: HookContext;
  /** Receives `Execute hook` / `Execute hook failed`. */
  logger: Logger;
  /** Kill the hook after this long (default {@link HOOK_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborting kills the hook like a timeout does (shutdown). */
  signal?: AbortSignal;
  /** Working directory (dewy's: `runtime.cwd()`). */
  cwd: string;
  /** Base environment (dewy's: `runtime.environment()`). */
  env: Record<string, string | undefined>;
}

/** One hook run as the deploy manager asks for it: where and with what it runs is the runner's. */
export type HookRun = Omit<RunHookOptions, "cwd" | "env">;

/** Runs deploy hooks (see {@link hookRunner}). */
export type HookRunner = (options: HookRun) => Promise<HookResult>;

/** A {@link HookRunner} whose hooks run in dewy's working directory with dewy's environment. */
export function hookRunner(host: Pick<Runtime, "cwd" | "environment">): HookRunner {
  return (options) => runHook({ ...options, cwd: host.cwd(), env: host.environment() });
}

/**
 * Run one hook to completion. Never throws: a hook that cannot start reports exit code 1
 * with the reason in `stderr`; a hook that outlives its timeout has its process group killed
 * and reports `timedOut`; one still running when `signal` aborts (shutdown) is killed the same
 * way and says so in `stderr`.
 *
 * @example
 * ```ts
 * const cwd = runtime.cwd(), env = runtime.environment();
 * const r = await runHook({ command: "./migrate.sh", context: { app, version, image }, logger, cwd, env });
 * if (!hookSucceeded(r)) throw new Error(`before-deploy hook failed with exit code ${r.exitCode}`);
 * ```
 */
export async function runHook(options: RunHookOptions): Promise<HookResult> {
  const started = performance.now();
  const outcome = await execute(options);
  const result: HookResult = {
    command: options.command,
    ...outcome,
    durationMs: Math.round(performance.now() - started),
  };
  const attrs = {
    command: result.command,
    stdout: result.stdout,
    stderr: result.stderr,
    exit_code: result.exitCode,
    duration_ms: result.durationMs,
    timed_out: result.timedOut,
  };
  if (hookSucceeded(result)) options.logger.info("Execute hook", attrs);
  else options.logger.warn("Execute hook failed", attrs);
  return result;
}

type Outcome = Omit<HookResult, "command" | "durationMs">;

function execute(options: RunHookOptions): Promise<Outcome> {
  const { context } = options;
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", options.command], {
      cwd: options.cwd,
      env: {
        ...options.env,
        DEWY_APP: context.app,
        DEWY_VERSION: context.version,
        DEWY_IMAGE: context.image,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so a timeout kills the hook's children too
    });
    const stdout = new Capture(child.stdout);
    const stderr = new Capture(child.stderr);
    let killedBy: "timeout" | "shutdown" | undefined;
    let settled = false;
    let grace: ReturnType<typeof setTimeout> | undefined;

    const killGroup = (reason: "timeout" | "shutdown") => {
      killedBy ??= reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is already gone
      }
    };
    const timer = setTimeout(() => killGroup("timeout"), options.timeoutMs ?? HOOK_TIMEOUT_MS);
    const onAbort = () => killGroup("shutdown");
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const finish = (exitCode: number, spawnError?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      options.signal?.removeEventListener("abort", onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      let err = spawnError === undefined
        ? stderr.text()
        : `cannot run sh: ${errorMessage(spawnError)}`;
      if (killedBy === "shutdown") {
        err = [err, "killed: dewy is shutting down"].filter(Boolean).join("\n");
      }
      resolve({ exitCode, stdout: stdout.text(), stderr: err, timedOut: killedBy === "timeout" });
    };
    const codeOf = (code: number | null) => code ?? 1;

    child.on("error", (error) => finish(1, error));
    // `close` waits for the output pipes; a background child may hold them open, so after the
    // shell itself exits its output gets a short grace period only.
    child.on("close", (code) => finish(codeOf(code)));
    child.on("exit", (code) => {
      grace = setTimeout(() => finish(codeOf(code)), HOOK_OUTPUT_GRACE_MS);
    });
    if (options.signal?.aborted) onAbort();
  });
}

/** Collects a stream's bytes up to {@link HOOK_OUTPUT_MAX_BYTES}, counting what it drops. */
class Capture {
  #chunks: Uint8Array[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(stream: Readable | null) {
    stream?.on("data", (chunk: Uint8Array) => this.#add(chunk));
    stream?.on("error", () => {}); // destroyed after exit; nothing left to read
  }

  #add(chunk: Uint8Array): void {
    const take = Math.min(HOOK_OUTPUT_MAX_BYTES - this.#kept, chunk.length);
    if (take > 0) this.#chunks.push(chunk.subarray(0, take));
    this.#kept += take;
    this.#dropped += chunk.length - take;
  }

  /** The captured text, trimmed, with a note when bytes were dropped. */
  text(): string {
    const bytes = new Uint8Array(this.#kept);
    let at = 0;
    for (const c of this.#chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const text = new TextDecoder().decode(bytes).trim();
    return this.#dropped > 0 ? `${text}\n... (${this.#dropped} more bytes truncated)` : text;
  }
}
