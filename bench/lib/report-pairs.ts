/**
 * The report's section on the pairs (`paired.ts`): telemetry on ÷ off per target and scenario,
 * and dewy ÷ haproxy in `close`, each a median with its confidence interval.
 *
 * @module
 */
import { type Estimate, type PairRecord, summarizePairs } from "./paired.ts";

/** `value` with `digits` decimals and thousands separators, `—` when not a number. */
export const fmt = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    })
    : "—";

/** The confidence interval of `estimate`, as `low–high`. */
export const interval = (estimate: Estimate): string =>
  `${fmt(estimate.low, 2)}–${fmt(estimate.high, 2)}`;

/** The coverage of `estimate`'s interval, as `97.9 %`. */
export const coverage = (estimate: Estimate): string => `${fmt(estimate.coverage * 100, 1)} %`;

const cell = (estimate: Estimate) => `${fmt(estimate.median, 3)} (${interval(estimate)})`;

/** The markdown lines of the pairs section; none when the run measured no pairs. */
export function renderPairs(pairs: readonly PairRecord[]): string[] {
  if (pairs.length === 0) return [];
  const combos = [...new Set(pairs.map((p) => `${p.base} ${p.other}`))].map((key) =>
    key.split(" ")
  );
  const telemetry = combos.filter(([base, other]) => other === `${base}+otel`);
  const versus = combos.filter(([base, other]) => other !== `${base}+otel`);
  const count = (base: string, other: string) =>
    new Set(pairs.filter((p) => p.base === base && p.other === other).map((p) => p.pair)).size;
  const first = summarizePairs(pairs, pairs[0].base, pairs[0].other, pairs[0].scenario).perCpu;
  const lines = [
    "",
    "### In pairs: telemetry on ÷ off, dewy ÷ haproxy",
    "",
    "After the rounds and the memory figures: short runs (KA 3 s, close and 1 MiB 2 s) of two targets back to " +
    "back, the order alternating from pair to pair; each pair gives one ratio. Proxy CPU from " +
    "`schedstat` (nanoseconds, all threads). Shown: the median of the pairs' ratios and its " +
    `confidence interval (distribution-free, from order statistics; ${first.pairs} pairs give ` +
    `coverage ${coverage(first)}). An interval that holds 1.00 is a tie on this machine. The ` +
    "telemetry goals above use the per CPU-s medians.",
    "",
  ];
  if (telemetry.length > 0) {
    lines.push(
      "| on ÷ off | KA per CPU-s | KA req/s | close per CPU-s | close req/s | 1 MiB per CPU-s | 1 MiB MiB/s | pairs | errors |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const [base, other] of telemetry) {
      const summaries = ["ka", "close", "1m"].map((scenario) =>
        summarizePairs(pairs, base, other, scenario)
      );
      const cells = summaries.flatMap((p) => [cell(p.perCpu), cell(p.throughput)]);
      const errors = summaries.reduce((sum, p) => sum + p.errors, 0);
      lines.push(`| ${base} | ${cells.join(" | ")} | ${count(base, other)} | ${errors} |`);
    }
    lines.push("");
  }
  if (versus.length > 0) {
    lines.push(
      "| close | req/s ÷ | per CPU-s ÷ | pairs | errors |",
      "|---|---:|---:|---:|---:|",
    );
    for (const [base, other] of versus) {
      const p = summarizePairs(pairs, base, other, "close");
      lines.push(
        `| ${other} ÷ ${base} | ${cell(p.throughput)} | ${cell(p.perCpu)} | ${
          count(base, other)
        } | ${p.errors} |`,
      );
    }
  }
  return lines;
}
