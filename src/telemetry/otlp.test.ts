/** The OTLP push interval: 15 s unless `OTEL_METRIC_EXPORT_INTERVAL` says otherwise. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createOtlpReader } from "./otlp.ts";
import { parseOtlpEndpoint } from "./otlp-endpoint.ts";
import { silentLogger } from "../log.ts";

function reader(env: Record<string, string>) {
  return createOtlpReader({
    endpoint: parseOtlpEndpoint("collector.example:4317", { insecure: true }),
    version: "0.0.0",
    env: (name) => env[name],
    logger: silentLogger,
  });
}

/**
 * The interval the SDK's periodic reader was built with. A private field of
 * `PeriodicExportingMetricReader`: if an SDK upgrade renames it, this test says so.
 */
function readerInterval(otlp: ReturnType<typeof reader>): number {
  const interval = (otlp.reader as unknown as { _exportInterval?: number })._exportInterval;
  assert.equal(typeof interval, "number", "PeriodicExportingMetricReader._exportInterval is gone");
  return interval!;
}

test("otlp: metrics are pushed every 15 s by default", async () => {
  const otlp = reader({});
  await otlp.ready;
  assert.equal(readerInterval(otlp), 15_000);
  assert.equal(otlp.intervalMs, 15_000, "what the start-up log reports");
});

test("otlp: OTEL_METRIC_EXPORT_INTERVAL sets the push interval", async () => {
  const otlp = reader({ OTEL_METRIC_EXPORT_INTERVAL: "2500" });
  await otlp.ready;
  assert.equal(readerInterval(otlp), 2_500);
  assert.equal(otlp.intervalMs, 2_500);
});
