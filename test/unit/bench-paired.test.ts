import { test } from "node:test";
import assert from "node:assert/strict";
import { medianWithInterval, type PairRecord, summarizePairs } from "../../bench/lib/paired.ts";
import { renderPairs } from "../../bench/lib/report-pairs.ts";

test("bench pairs: the median's 95 % interval is the 2nd and 9th of 10 values", () => {
  const values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];
  assert.deepEqual(medianWithInterval(values), { median: 5.5, low: 2, high: 9, pairs: 10 });
});

test("bench pairs: the interval widens to the whole range when few values exist", () => {
  assert.deepEqual(medianWithInterval([3, 1, 2]), { median: 2, low: 1, high: 3, pairs: 3 });
  // 20 values: ranks 6 and 15 cover 95.9 %, ranks 7 and 14 only 88.5 %.
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.deepEqual(medianWithInterval(twenty), { median: 10.5, low: 6, high: 15, pairs: 20 });
});

test("bench pairs: other ÷ base per CPU-s and per second, pair by pair", () => {
  const slice = (requests: number, cpuNs: number) => ({
    requests,
    rps: requests,
    cpuNs,
    errors: 1,
  });
  const records: PairRecord[] = [0, 1, 2].map((pair) => ({
    base: "dewy-bin",
    other: "dewy-bin+otel",
    scenario: "close",
    pair,
    baseRun: slice(1000, 1e9),
    // other: 10 % fewer requests for 5 % less CPU in every pair.
    otherRun: slice(900, 0.95e9),
  }));
  const summary = summarizePairs(records, "dewy-bin", "dewy-bin+otel", "close");
  assert.equal(summary.perCpu.median.toFixed(4), (0.9 / 0.95).toFixed(4));
  assert.equal(summary.throughput.median, 0.9);
  assert.equal(summary.errors, 6);
  assert.equal(summarizePairs(records, "dewy-bin", "dewy-bin+otel", "ka").perCpu.pairs, 0);
  assert.equal(summarizePairs(records, "haproxy", "dewy-bin", "close").perCpu.pairs, 0);
});

test("bench pairs: the report shows each comparison's median and interval", () => {
  const records: PairRecord[] = [1.0, 0.9, 1.1].map((ratio, pair) => ({
    base: "haproxy",
    other: "dewy-bin",
    scenario: "close",
    pair,
    baseRun: { requests: 1000, rps: 500, cpuNs: 1e9, errors: 0 },
    otherRun: { requests: 1000 * ratio, rps: 500 * ratio, cpuNs: 1e9, errors: 0 },
  }));
  const text = renderPairs(records).join("\n");
  assert.match(
    text,
    /\| dewy-bin ÷ haproxy \| 1\.000 \(0\.90–1\.10\) \| 1\.000 \(0\.90–1\.10\) \| 3 \| 0 \|/,
  );
  assert.deepEqual(renderPairs([]), []);
});
