/**
 * The things the benchmark sends traffic to, and starting/stopping them: the nginx backend
 * (CPU 1, next to wrk), `direct` (the backend itself), haproxy, nginx stream, and dewy's
 * proxy (`bench/proxy-entry.ts`) on Bun, on Deno and as the compiled binary, each with
 * telemetry off and on. Every proxy runs pinned to CPU 0. Deno runs the proxy bundled the
 * way Deno users get dewy (`dist/dewy.js`: an ES module whose on-demand parts are chunks).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, openSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { processTree, rssMiB } from "./proc.ts";
import { writeBackendConfig, writeHaproxyConfig, writeNginxStreamConfig } from "./configs.ts";

/** Where the benchmark's programs and files are. */
export interface BenchPaths {
  /** The repository root. */
  root: string;
  /** Scratch directory (configs, logs, the compiled binary). */
  work: string;
  /** `bun` executable. */
  bun: string;
  /** `deno` executable. */
  deno: string;
  /** The `bun build --compile`d proxy-entry. */
  binary: string;
  /** proxy-entry bundled like `dist/dewy.js` (`scripts/bun-build.ts`), for Deno and Node. */
  denoBundle: string;
  /** `node` executable (Node 24 from npm). */
  node: string;
}

/** How to start one target. */
export interface TargetSpec {
  /** Name in tables: `direct`, `haproxy`, `dewy-bun`, `dewy-bun+otel`, ... */
  name: string;
  /** The command (without the CPU pinning), or null for `direct`. */
  command: ((port: number, adminPort: number) => string[]) | null;
  /** Whether `/metrics` is served (and scraped during runs). */
  telemetry: boolean;
  /** The program prints `ready <port> <adminPort>` when up (dewy); else wait for the port. */
  printsReady: boolean;
}

/** A started target. */
export interface Target {
  /** Its spec. */
  spec: TargetSpec;
  /** Port to send traffic to. */
  port: number;
  /** Admin port serving `/metrics`, 0 without telemetry. */
  adminPort: number;
  /** The proxy's process tree (empty for `direct`). */
  pids: number[];
  /** RSS after start, before any traffic, MiB (NaN for `direct`). */
  idleRssMiB: number;
}

/** Thrown when a target does not come up. */
export class TargetStartError extends Error {
  /** @param name the target @param reason what happened, naming the log to read */
  constructor(name: string, reason: string) {
    super(`benchmark target ${name} did not start: ${reason}`);
    this.name = "TargetStartError";
  }
}

/** The CPU the proxies run on; wrk, the backend and the benchmark driver use the other. */
export const PROXY_CPU = 0;
/** The CPU of wrk, the backend, curl and the driver. */
export const LOAD_CPU = 1;

/** The path of the benchmark's proxy program in the repository. */
const entry = (paths: BenchPaths) => join(paths.root, "bench", "proxy-entry.ts");

/** `name` and `name+otel`: the proxy run by `program` in front of the backend. */
function dewy(name: string, program: string[], backendPort: number): TargetSpec[] {
  return [false, true].map((telemetry) => ({
    name: telemetry ? `${name}+otel` : name,
    telemetry,
    printsReady: true,
    command: (port, adminPort) => [
      ...program,
      "--port",
      String(port),
      "--backend",
      `127.0.0.1:${backendPort}`,
      ...(telemetry ? ["--telemetry", "--admin-port", String(adminPort)] : []),
    ],
  }));
}

/**
 * `deno-source` and `deno-source+otel`: the Deno proxy run from source
 * (`deno run -A bench/proxy-entry.ts`, the import-map way), only for its idle RSS.
 */
export function denoSourceSpecs(paths: BenchPaths, backendPort: number): TargetSpec[] {
  return dewy("deno-source", [paths.deno, "run", "-A", entry(paths)], backendPort);
}

/** Every target of a full run, in the order of the first repetition. */
export function targetSpecs(paths: BenchPaths, backendPort: number): TargetSpec[] {
  return [
    { name: "direct", command: null, telemetry: false, printsReady: false },
    {
      name: "haproxy",
      telemetry: false,
      printsReady: false,
      command: (
        port,
      ) => ["haproxy", "-db", "-f", writeHaproxyConfig(paths.work, port, backendPort)],
    },
    {
      name: "nginx-stream",
      telemetry: false,
      printsReady: false,
      command: (port) => ["nginx", "-c", writeNginxStreamConfig(paths.work, port, backendPort)],
    },
    ...dewy("dewy-bun", [paths.bun, "run", entry(paths)], backendPort),
    ...dewy("dewy-deno", [paths.deno, "run", "-A", paths.denoBundle], backendPort),
    ...dewy("dewy-bin", [paths.binary], backendPort),
    // The npm package's way: the same bundle as dewy-deno, on Node.
    ...dewy("dewy-node", [paths.node, paths.denoBundle], backendPort),
  ];
}

/** Resolve once something accepts TCP connections on `127.0.0.1:port`, or reject after `ms`. */
export async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) {
      throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs and stops the benchmark's processes; every pid is also appended to `pids` in the
 * work directory so `run.sh` can stop them by id if the driver dies.
 */
export class Processes {
  #children: ChildProcess[] = [];
  #pidFile: string;
  #work: string;

  /** @param work the scratch directory (logs, pid file) */
  constructor(work: string) {
    this.#work = work;
    this.#pidFile = join(work, "pids");
  }

  /** Start `command` pinned to `cpu`, its output going to `<work>/<name>.log`. */
  spawn(name: string, command: string[], cpu: number, cwd: string): ChildProcess {
    const log = openSync(join(this.#work, `${name}.log`), "w");
    const child = spawn("taskset", ["-c", String(cpu), ...command], {
      cwd,
      stdio: ["ignore", "pipe", log],
    });
    child.stdout!.on("data", (d) => appendFileSync(join(this.#work, `${name}.log`), d));
    if (child.pid) appendFileSync(this.#pidFile, `${child.pid}\n`);
    this.#children.push(child);
    return child;
  }

  /** SIGTERM every started process, SIGKILL what is left after `graceMs`. */
  async stopAll(graceMs = 3000): Promise<void> {
    const alive = this.#children.filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(alive.map((child) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => (child.kill("SIGKILL"), resolve()), graceMs);
        child.once("exit", () => (clearTimeout(timer), resolve()));
        child.kill("SIGTERM");
      })
    ));
  }
}

/** Start the nginx backend on CPU 1 and wait for it. */
export async function startBackend(
  processes: Processes,
  paths: BenchPaths,
  port: number,
): Promise<void> {
  processes.spawn(
    "backend",
    ["nginx", "-c", writeBackendConfig(paths.work, port)],
    LOAD_CPU,
    paths.root,
  );
  await waitForPort(port, 10_000);
}

/** Start `spec` on CPU 0 at `port` (and `adminPort`); resolves when it serves. */
export async function startTarget(
  processes: Processes,
  paths: BenchPaths,
  spec: TargetSpec,
  port: number,
  adminPort: number,
): Promise<Target> {
  if (!spec.command) return { spec, port, adminPort: 0, pids: [], idleRssMiB: NaN };
  const child = processes.spawn(spec.name, spec.command(port, adminPort), PROXY_CPU, paths.root);
  const log = join(paths.work, `${spec.name}.log`);
  try {
    if (spec.printsReady) await readyLine(child, 60_000);
    await waitForPort(port, 15_000);
  } catch (error) {
    throw new TargetStartError(spec.name, `${(error as Error).message} (see ${log})`);
  }
  await new Promise((r) => setTimeout(r, 1000));
  // taskset execs the program, so the child's pid is the program's.
  const pids = processTree(child.pid!);
  return { spec, port, adminPort: spec.telemetry ? adminPort : 0, pids, idleRssMiB: rssMiB(pids) };
}

function readyLine(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no "ready" line after ${ms} ms`)), ms);
    child.stdout!.on("data", (d) => {
      seen += d;
      if (/^ready /m.test(seen)) (clearTimeout(timer), resolve());
    });
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`exited with ${code}`))));
  });
}
