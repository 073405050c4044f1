import { test } from "node:test";
import assert from "node:assert/strict";
import { EXPORT_FAILED, type ExportResult, ReportingExporter } from "./reporting-exporter.ts";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { Logger } from "../log.ts";

/** A push exporter whose every export ends with `result`. */
function failingExporter(result: ExportResult): PushMetricExporter {
  return {
    export: (_metrics, callback) => callback(result),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

test("otlp reporting: TLS against a plaintext collector hints at --otlp-insecure, once per streak", () => {
  for (
    const text of [
      "14 UNAVAILABLE: No connection established. Last error: Error: 80EBB5C1:error:0A00010B:SSL routines:ssl3_get_record:wrong version number",
      "14 UNAVAILABLE: ssl3_get_record:WRONG_VERSION_NUMBER",
      "14 UNAVAILABLE: packet length too long",
    ]
  ) {
    const lines: string[] = [];
    const exporter = new ReportingExporter(
      failingExporter({ code: EXPORT_FAILED, error: new Error(text) }),
      new Logger({ write: (l) => lines.push(l) }),
      "localhost:4317",
    );
    for (let i = 0; i < 3; i++) exporter.export({} as ResourceMetrics, () => {});
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0],
      /OTLP metrics export failed; retrying every interval \(the collector speaks plaintext gRPC: add --otlp-insecure\)/,
    );
    assert.match(lines[0], /otlp_endpoint=localhost:4317/);
    assert.equal(exporter.stats.failed, 3);
  }
});

test("otlp reporting: other export failures keep the general hint", () => {
  const lines: string[] = [];
  const exporter = new ReportingExporter(
    failingExporter({ code: EXPORT_FAILED, error: new Error("14 UNAVAILABLE: ECONNREFUSED") }),
    new Logger({ write: (l) => lines.push(l) }),
    "localhost:4317",
  );
  exporter.export({} as ResourceMetrics, () => {});
  assert.equal(lines.length, 1);
  assert.match(lines[0], /\(check --otlp-endpoint, the collector and --otlp-insecure\/TLS\)/);
  assert.doesNotMatch(lines[0], /plaintext/);
});
