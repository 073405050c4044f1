/**
 * Test helpers around the real Prometheus (Debian `prometheus` package): start a server that
 * scrapes one target, query it over the HTTP API, run `promtool check metrics`, and parse the
 * text exposition format into samples.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** The `prometheus` binary (override with `PROMETHEUS_BIN`). */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
/** The `promtool` binary (override with `PROMTOOL_BIN`). */
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One sample of an instant-vector result. */
export interface PromSample {
  metric: Record<string, string>;
  /** The value as Prometheus prints it (`"1"`, `"0.25"`, `"NaN"`). */
  value: string;
}

/** A running Prometheus scraping one target. */
export interface PrometheusServer {
  /** Its HTTP port on 127.0.0.1. */
  port: number;
  /** Run an instant query; rejects unless the API answers `success`. */
  query(promql: string): Promise<PromSample[]>;
  /** Poll `promql` until it returns at least one sample with a number (bounded by `timeoutMs`). */
  waitForData(promql: string, timeoutMs: number): Promise<PromSample[]>;
  /**
   * Poll `promql` until its first sample equals `expected` (bounded by `timeoutMs`): for
   * gauges a scrape may still show from before the last change.
   */
  waitForValue(promql: string, expected: number, timeoutMs: number): Promise<void>;
  /** Stop the process and remove its data. */
  close(): Promise<void>;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** `host:port` to scrape (`/metrics`). */
  target: string;
  /** Job name (the contract's is `dewy`). */
  job?: string;
  /** Scrape interval in seconds. */
  intervalS?: number;
}

/** Start Prometheus with a temporary config and storage; waits until it is ready. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "dewy-prom-"));
  const interval = `${options.intervalS ?? 1}s`;
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      "scrape_configs:",
      `  - job_name: '${options.job ?? "dewy"}'`,
      `    scrape_interval: ${interval}`,
      "    static_configs:",
      `      - targets: ['${options.target}']`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok === true,
      30_000,
      () => `prometheus on ${port} not ready (exit ${child.exitCode}): ${stderr.slice(-500)}`,
    );
  } catch (error) {
    await close();
    throw error;
  }
  const query = async (promql: string): Promise<PromSample[]> => {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await res.json() as {
      status: string;
      error?: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: r.value[1] }));
  };
  return {
    port,
    query,
    async waitForData(promql, timeoutMs) {
      let last: PromSample[] = [];
      await until(
        async () => {
          last = await query(promql);
          return last.length > 0 && last.every((s) => !Number.isNaN(Number(s.value)));
        },
        timeoutMs,
        () => `no numeric data for ${promql} (last: ${JSON.stringify(last)})`,
      );
      return last;
    },
    async waitForValue(promql, expected, timeoutMs) {
      let last: PromSample[] = [];
      await until(
        async () => {
          last = await query(promql);
          return last.length > 0 && Number(last[0].value) === expected;
        },
        timeoutMs,
        () => `${promql} did not become ${expected} (last: ${JSON.stringify(last)})`,
      );
    },
    close,
  };
}

/** Result of {@link promtoolCheckMetrics}. */
export interface PromtoolResult {
  code: number | null;
  output: string;
}

/** Run `promtool check metrics` with `text` on stdin. */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(PROMTOOL_BIN, ["check", "metrics"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += String(d)));
    child.stderr!.on("data", (d) => (output += String(d)));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
    child.stdin!.end(text);
  });
}

/**
 * Parse the text exposition format into `name{label="v",...}` → value, labels sorted and
 * `otel_scope_name` dropped, so tests can look samples up by a stable key.
 */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels = [...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .filter((m) => m[1] !== "otel_scope_name")
      .map((m) => `${m[1]}="${m[2]}"`)
      .sort();
    samples.set(`${match[1]}{${labels.join(",")}}`, Number(match[3]));
  }
  return samples;
}

/** Resolve once `check` is true, polling every 250 ms; reject with `why()` after `timeoutMs`. */
async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  why: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 250));
  }
}
