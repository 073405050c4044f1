/**
 * Helpers of the engine-outage tests: the private live-restore dockerd of
 * `test/services/live-engine.sh`, the engine API of any socket, a mixed request load (new
 * connections and keep-alive clients), and the iptables rules of one test's own ports.
 *
 * @module
 */
import * as http from "node:http";
import { ROOT, run, runAsync, type RunResult, sleep } from "./_ship.ts";
import { runtimeName } from "../../src/runtime/detect.ts";

const LIVE_ENGINE = `${ROOT}test/services/live-engine.sh`;

/**
 * Tests that restart an engine or rewrite firewall rules run under one test runtime only: they
 * drive the compiled binary, which is the same whichever runtime runs the test.
 */
export function onceForAllRuntimes(): { skip?: string } {
  if (process.getuid?.() !== 0) return { skip: "needs root (dockerd, iptables)" };
  if (runtimeName !== "deno") {
    return { skip: "restarts and firewall changes run once, under the Deno test run" };
  }
  return {};
}

/** `bash live-engine.sh <command>`; fails with its output. */
function liveEngine(command: "up" | "restart" | "down"): RunResult {
  const result = run("bash", [LIVE_ENGINE, command], { timeoutMs: 120_000 });
  if (result.code !== 0) {
    throw new Error(`live-engine.sh ${command} failed (${result.code}):\n${result.stderr}`);
  }
  return result;
}

/** Start the private live-restore dockerd; resolves with its socket. */
export function liveEngineUp(): string {
  const line = liveEngine("up").stdout.split("\n").find((l) => l.includes("LIVE_ENGINE_SOCK="));
  if (!line) throw new Error("live-engine.sh up printed no LIVE_ENGINE_SOCK");
  return line.split("=")[1].trim();
}

/**
 * Restart it (SIGTERM, start again, wait until it answers); containers keep running. Without
 * blocking this process, whose request loads go on meanwhile.
 */
export async function liveEngineRestart(): Promise<void> {
  const result = await runAsync("bash", [LIVE_ENGINE, "restart"], { timeoutMs: 120_000 });
  if (result.code !== 0) {
    throw new Error(`live-engine.sh restart failed (${result.code}):\n${result.stderr}`);
  }
}

/** Remove its containers, stop it, and clean up. Never throws (runs in `finally`). */
export function liveEngineDown(): void {
  try {
    liveEngine("down");
  } catch (error) {
    console.warn((error as Error).message);
  }
}

/** One engine API call over `socket`; the parsed JSON answer. */
export function apiOf(socket: string, method: string, path: string): unknown {
  const { code, stdout, stderr } = run("curl", [
    "-sS",
    ...["--max-time", "30", "--unix-socket", socket, "-X", method],
    `http://engine${path}`,
  ]);
  if (code !== 0) throw new Error(`engine API ${method} ${path}: ${stderr}`);
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

/** The running managed containers of `app` on the engine at `socket`. */
export function runningOf(socket: string, app: string): { Id: string; Image: string }[] {
  const filters = JSON.stringify({ label: ["dewy.managed=true", `dewy.app=${app}`] });
  return apiOf(
    socket,
    "GET",
    `/containers/json?all=1&filters=${encodeURIComponent(filters)}`,
  ) as { Id: string; Image: string }[];
}

/** Requests a keep-alive client sends on one connection before it opens a new one. */
const KEEP_ALIVE_REQUESTS = 20;

/** A running load: every answer so far, and how to stop it. */
export interface Load {
  /** Every answer (body, or `error:<why>`). */
  results: string[];
  /** The answers that were not a body. */
  failures(): string[];
  /** Stop and wait for the requests in flight. */
  stop(): Promise<void>;
}

/**
 * `clients` loops of GET / on `port` until stopped, `maxMs` or `maxCount`: half of them on a
 * new connection each time, half keeping one connection alive (as the issue measured).
 */
export function mixedLoad(port: number, clients = 8, maxMs = 180_000, maxCount = 60_000): Load {
  const results: string[] = [];
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const one = async (keepAlive: boolean) => {
    let agent = new http.Agent({ keepAlive, maxSockets: 1 });
    for (let n = 1; !stopped && Date.now() < deadline && results.length < maxCount; n++) {
      results.push(await get(port, agent));
      // A keep-alive client closes its connection after some requests (as clients rotate
      // them): a rollout's drain then ends with it, not by cutting it mid-request.
      if (keepAlive && n % KEEP_ALIVE_REQUESTS === 0) {
        agent.destroy();
        agent = new http.Agent({ keepAlive, maxSockets: 1 });
      }
      await sleep(5);
    }
    agent.destroy();
  };
  const loops = Array.from({ length: clients }, (_, i) => one(i % 2 === 1));
  return {
    results,
    failures: () => results.filter((r) => r.startsWith("error:")),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function get(port: number, agent: http.Agent): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: "127.0.0.1", port, path: "/", agent, timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on(
          "end",
          () => resolve(res.statusCode === 200 ? body.trim() : `error:${res.statusCode}`),
        );
        res.on("error", (error) => resolve(`error:${(error as NodeJS.ErrnoException).code}`));
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", (e) => resolve(`error:${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}

/** Wait until `load` has `more` answers beyond what it had when called (bounded). */
export async function answersAfter(load: Load, more: number, timeoutMs = 60_000): Promise<void> {
  const target = load.results.length + more;
  const deadline = Date.now() + timeoutMs;
  while (load.results.length < target && Date.now() < deadline) await sleep(20);
}

/** `iptables ARGS`; fails with its output. */
export function iptables(...args: string[]): void {
  const result = run("iptables", ["-w", "5", ...args]);
  if (result.code !== 0) throw new Error(`iptables ${args.join(" ")}: ${result.stderr}`);
}

/** The `-A DOCKER ...` rules of the nat table that forward host port `port` (DNAT). */
export function dnatRules(port: number): string[] {
  const { stdout } = run("iptables", ["-w", "5", "-t", "nat", "-S", "DOCKER"]);
  return stdout.split("\n").filter((l) => l.includes(` --dport ${port} `) && l.includes("DNAT"));
}
