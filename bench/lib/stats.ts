/**
 * The benchmark's records and their reduction to medians per target and scenario.
 *
 * @module
 */
import type { WrkResult } from "./wrk.ts";

/** One measured load run. */
export interface RunRecord extends WrkResult {
  /** Target name. */
  target: string;
  /** Scenario name (`ka`, `close`, `1m`). */
  scenario: string;
  /** Repetition, from 0. */
  rep: number;
  /** Proxy CPU share during the run, % of one core (NaN for `direct`). */
  cpuPct: number;
  /** Proxy CPU seconds used during the run (NaN for `direct`). */
  cpuSeconds: number;
  /** Peak RSS of the proxy during the run, MiB. */
  peakRssMiB: number;
  /** `/metrics` scrapes answered 200 during the run (0 without telemetry). */
  scrapes: number;
}

/** Memory facts of one target. */
export interface MemoryRecord {
  /** Target name. */
  target: string;
  /** RSS after start, before traffic, MiB. */
  idleRssMiB: number;
  /** Largest RSS sampled during the load runs, MiB. */
  loadPeakRssMiB: number;
  /** Largest RSS with the idle connections open, MiB. */
  connsRssMiB: number;
  /** Idle connections that were open at the measurement. */
  connsOpen: number;
  /** Idle connections that failed to open or answer. */
  connsFailed: number;
}

/** Medians of one target in one scenario. */
export interface Summary {
  /** Requests per second. */
  rps: number;
  /** p99 latency, ms. */
  p99Ms: number;
  /** MiB/s. */
  mibps: number;
  /** Proxy CPU share, %. */
  cpuPct: number;
  /** Requests per proxy CPU-second. */
  reqPerCpuSecond: number;
  /** Proxy CPU microseconds per request. */
  cpuUsPerRequest: number;
  /** Errors summed over the repetitions. */
  errors: number;
  /** Scrapes answered 200, summed. */
  scrapes: number;
  /** Requests per second of each repetition, in order. */
  perRep: number[];
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Reduce the runs of `target` in `scenario` to medians. */
export function summarize(runs: readonly RunRecord[], target: string, scenario: string): Summary {
  const mine = runs.filter((r) => r.target === target && r.scenario === scenario)
    .sort((a, b) => a.rep - b.rep);
  const of = (pick: (r: RunRecord) => number) => median(mine.map(pick));
  return {
    rps: of((r) => r.rps),
    p99Ms: of((r) => r.p99Ms),
    mibps: of((r) => r.mibps),
    cpuPct: of((r) => r.cpuPct),
    reqPerCpuSecond: of((r) => r.requests / r.cpuSeconds),
    cpuUsPerRequest: of((r) => (r.cpuSeconds * 1e6) / r.requests),
    errors: mine.reduce((sum, r) => sum + r.errors, 0),
    scrapes: mine.reduce((sum, r) => sum + r.scrapes, 0),
    perRep: mine.map((r) => r.rps),
  };
}
