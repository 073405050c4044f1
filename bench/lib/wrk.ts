/**
 * One load run: `wrk` on CPU 1, killed by `timeout -s KILL` if it overruns, and its report
 * parsed into numbers.
 *
 * @module
 */
import { spawn } from "node:child_process";

/** A load scenario: how wrk is driven. */
export interface Scenario {
  /** Short name used in tables: `ka`, `close`, `1m`. */
  name: string;
  /** Path requested from the backend. */
  path: string;
  /** Concurrent connections (`-c`). */
  connections: number;
  /** Duration in seconds (`-d`). */
  seconds: number;
  /** Send `Connection: close` (a new TCP connection per request). */
  close: boolean;
}

/** What one wrk run measured. */
export interface WrkResult {
  /** Requests per second. */
  rps: number;
  /** Completed requests. */
  requests: number;
  /** 99th percentile latency, ms (wrk's own, coordinated-omission affected). */
  p99Ms: number;
  /** Transfer rate, MiB/s. */
  mibps: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers. */
  errors: number;
}

/** Thrown when wrk's output cannot be read (it failed to start or was killed). */
export class WrkError extends Error {
  /** @param message what went wrong @param output wrk's output */
  constructor(message: string, readonly output: string) {
    super(`${message}; wrk said: ${output.trim().slice(0, 400) || "(nothing)"}`);
    this.name = "WrkError";
  }
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const SIZE_UNITS: Record<string, number> = { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 };

/** Parse wrk's `--latency` report. */
export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  if (!rps || !requests) throw new WrkError("no Requests/sec in wrk's output", output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\b/m.exec(output);
  const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Number(rps[1]),
    requests: Number(requests[1]),
    p99Ms: p99 ? Number(p99[1]) * TIME_UNITS[p99[2]] : NaN,
    mibps: transfer ? Number(transfer[1]) * SIZE_UNITS[transfer[2]] : 0,
    errors: socketErrors + (non2xx ? Number(non2xx[1]) : 0),
  };
}

/** Run `scenario` against `127.0.0.1:port` with wrk pinned to `cpu`; bounded in time. */
export function runWrk(port: number, scenario: Scenario, cpu: number): Promise<WrkResult> {
  const args = [
    "-s",
    "KILL",
    String(scenario.seconds + 15),
    "taskset",
    "-c",
    String(cpu),
    "wrk",
    "-t1",
    `-c${scenario.connections}`,
    `-d${scenario.seconds}s`,
    "--latency",
    "--timeout",
    "5s",
    ...(scenario.close ? ["-H", "Connection: close"] : []),
    `http://127.0.0.1:${port}${scenario.path}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("timeout", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (error) => reject(new WrkError(String(error), output)));
    child.on("close", () => {
      try {
        resolve(parseWrk(output));
      } catch (error) {
        reject(error);
      }
    });
  });
}
