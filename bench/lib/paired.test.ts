import { test } from "node:test";
import assert from "node:assert/strict";
import { medianWithInterval, type PairRecord, summarizePairs } from "./paired.ts";
import { renderPairs } from "./report-pairs.ts";

test("bench pairs: the median's 95 % interval is the 2nd and 9th of 10 values", () => {
  const values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];
  const estimate = medianWithInterval(values);
  assert.deepEqual([estimate.median, estimate.low, estimate.high, estimate.pairs], [5.5, 2, 9, 10]);
  assert.equal(estimate.coverage.toFixed(4), (1 - (2 * 11) / 1024).toFixed(4)); // 97.9 %
});

test("bench pairs: the interval widens to the whole range when few values exist", () => {
  const three = medianWithInterval([3, 1, 2]);
  assert.deepEqual([three.median, three.low, three.high, three.coverage], [2, 1, 3, 0.75]);
  // 20 values: ranks 6 and 15 cover 95.9 %, ranks 7 and 14 only 88.5 %.
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  const estimate = medianWithInterval(twenty);
  assert.deepEqual([estimate.median, estimate.low, estimate.high], [10.5, 6, 15]);
  assert.ok(estimate.coverage >= 0.95 && estimate.coverage < 0.97, String(estimate.coverage));
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
