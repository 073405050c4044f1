/**
 * Ratios measured in pairs: short runs of two targets back to back (a dewy target and its
 * `+otel` twin; haproxy and a dewy target), the order alternating from pair to pair, each pair
 * giving one ratio. The median of the ratios comes with a distribution-free confidence interval
 * (95 % from 6 pairs on), so a reader can tell a goal missed from a tie. Proxy CPU comes from
 * `schedstat` (nanoseconds), not from 10 ms ticks.
 *
 * @module
 */
import { median } from "./stats.ts";

/** One short run of one target. */
export interface Slice {
  /** Requests completed (for `1m`, each is 1 MiB). */
  requests: number;
  /** Requests per second. */
  rps: number;
  /** Proxy CPU used during the run, nanoseconds (all threads). */
  cpuNs: number;
  /** Errors wrk counted. */
  errors: number;
}

/** One pair: the same scenario against two targets; its ratio is `other` ÷ `base`. */
export interface PairRecord {
  /** The target compared against (`dewy-bin` for telemetry, `haproxy`). */
  base: string;
  /** The target compared (`dewy-bin+otel`, `dewy-bin`). */
  other: string;
  /** Scenario name (`ka`, `close`, `1m`). */
  scenario: string;
  /** Index of the pair, from 0; odd pairs ran `other` first. */
  pair: number;
  /** The run of `base`. */
  baseRun: Slice;
  /** The run of `other`. */
  otherRun: Slice;
}

/** A median and its confidence interval. */
export interface Estimate {
  /** Median of the pairs' ratios. */
  median: number;
  /** Lower end of the confidence interval of the median. */
  low: number;
  /** Upper end of it. */
  high: number;
  /** The interval's coverage: at least 0.95 from 6 pairs on, less below (0.5 for 2 pairs). */
  coverage: number;
  /** How many pairs. */
  pairs: number;
}

/** `other` ÷ `base` in one scenario: efficiency and throughput. */
export interface PairedSummary {
  /** Requests per proxy CPU-second, other ÷ base. */
  perCpu: Estimate;
  /** Requests per second, other ÷ base. */
  throughput: Estimate;
  /** wrk errors summed over both halves of every pair. */
  errors: number;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialCdf(k: number, n: number): number {
  let term = 0.5 ** n, sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/**
 * The median of `values` with a confidence interval from order statistics: the k-th smallest
 * and k-th largest value, for the largest k whose coverage is still ≥ 95 %. With fewer than 6
 * values no such k exists: the interval is the whole range, with the coverage it has.
 */
export function medianWithInterval(values: readonly number[]): Estimate {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  while (k + 1 <= n / 2 && 2 * binomialCdf(k, n) <= 0.05) k++;
  return {
    median: median(sorted),
    low: sorted[k - 1] ?? NaN,
    high: sorted[n - k] ?? NaN,
    coverage: n > 0 ? 1 - 2 * binomialCdf(k - 1, n) : NaN,
    pairs: n,
  };
}

/** Requests per proxy CPU-second of `other` ÷ those of `base`, in one pair. */
export function perCpuRatio(record: PairRecord): number {
  const perCpu = (s: Slice) => s.requests / s.cpuNs;
  return perCpu(record.otherRun) / perCpu(record.baseRun);
}

/** `other` ÷ `base` in `scenario`, over all their pairs. */
export function summarizePairs(
  records: readonly PairRecord[],
  base: string,
  other: string,
  scenario: string,
): PairedSummary {
  const mine = records.filter((r) =>
    r.base === base && r.other === other && r.scenario === scenario
  );
  return {
    perCpu: medianWithInterval(mine.map(perCpuRatio)),
    throughput: medianWithInterval(mine.map((r) => r.otherRun.rps / r.baseRun.rps)),
    errors: mine.reduce((sum, r) => sum + r.otherRun.errors + r.baseRun.errors, 0),
  };
}
