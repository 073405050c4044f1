/** The OTLP push interval: 15 s unless `OTEL_METRIC_EXPORT_INTERVAL` says otherwise. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createOtlpReader } from "../../src/telemetry/otlp.ts";
import { silentLogger } from "../../src/log.ts";

function reader(env: Record<string, string>) {
  return createOtlpReader({
    endpoint: "collector.example:4317",
    insecure: true,
    version: "0.0.0",
    env: (name) => env[name],
    logger: silentLogger,
  });
}

test("otlp: metrics are pushed every 15 s by default", async () => {
  const otlp = reader({});
  await otlp.ready;
  assert.equal(otlp.intervalMs, 15_000);
});

test("otlp: OTEL_METRIC_EXPORT_INTERVAL sets the push interval", async () => {
  const otlp = reader({ OTEL_METRIC_EXPORT_INTERVAL: "2500" });
  await otlp.ready;
  assert.equal(otlp.intervalMs, 2_500);
});
