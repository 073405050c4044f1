/**
 * The proxy's histograms are kept in plain numbers (`PlainHistogram`) and handed to the readers
 * by `proxyHistogramProducer`: what a scrape shows must be exactly what the SDK's own
 * histogram made of the same values, and what a reader holds must not move afterwards.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { Histogram as PointValue } from "@opentelemetry/sdk-metrics";
import { Telemetry } from "./telemetry.ts";
import { PrometheusReader } from "./prometheus.ts";
import {
  CONNECT_LATENCY_BUCKETS,
  CONNECTION_DURATION_BUCKETS,
  proxyHistogramProducer,
  ProxyTally,
} from "./instruments.ts";
import { buildResource } from "./resource.ts";
import { parseExposition } from "../../test/e2e/_prometheus.ts";

/** Values on, between, below and beyond both bucket lists. */
const VALUES = [
  0,
  0.0005,
  0.001,
  0.0010001,
  0.005,
  0.02,
  0.3,
  1,
  5,
  5.5,
  12,
  75,
  9_999.9,
  10_000,
  20_000,
];

/** The histogram series of `text` (bucket, sum and count lines of the two proxy histograms). */
function histogramSeries(text: string): Map<string, number> {
  return new Map(
    [...parseExposition(text)].filter(([key]) =>
      key.startsWith("dewy_proxy_connect_latency") ||
      key.startsWith("dewy_proxy_connection_duration")
    ),
  );
}

test("proxy histograms: a scrape shows what the SDK's own histograms make of the same values", async () => {
  const sdkReader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [sdkReader.reader] });
  const meter = provider.getMeter("dewy");
  const latency = meter.createHistogram("dewy.proxy.connect.latency", {
    description: "Time to establish the backend connection",
    unit: "s",
    advice: { explicitBucketBoundaries: [...CONNECT_LATENCY_BUCKETS] },
  });
  const duration = meter.createHistogram("dewy.proxy.connection.duration", {
    description: "Time from accept to close of a proxied connection",
    unit: "s",
  });
  const telemetry = new Telemetry({ version: "1.2.3", app: "app", env: () => undefined });
  try {
    for (const value of VALUES) {
      latency.record(value, { proxy_port: 9000 });
      duration.record(value, { proxy_port: 9000 });
      telemetry.connectionOpened(9000);
      telemetry.backendConnected(9000, value);
      telemetry.connectionClosed(9000, value, 0, 0);
    }
    const expected = histogramSeries(await sdkReader.render());
    assert.equal(expected.get(`dewy_proxy_connect_latency_count{proxy_port="9000"}`), 15);
    assert.equal(
      expected.size,
      2 * 2 + CONNECT_LATENCY_BUCKETS.length + 1 +
        CONNECTION_DURATION_BUCKETS.length + 1,
    );
    assert.deepEqual(histogramSeries(await telemetry.metricsText()), expected);
  } finally {
    await provider.shutdown();
    await telemetry.shutdown(100);
  }
});

test("proxy histograms: points are cumulative copies with min and max; an idle port has none", async () => {
  const tallies = new Map([[9000, new ProxyTally(9000)], [9001, new ProxyTally(9001)]]);
  const producer = proxyHistogramProducer(tallies, buildResource("1.2.3", () => undefined));
  const point = async (name: string, port: number) => {
    const { resourceMetrics, errors } = await producer.collect();
    assert.deepEqual(errors, []);
    const [scope] = resourceMetrics.scopeMetrics;
    assert.equal(scope.scope.name, "github.com/linyows/dewy");
    const metric = scope.metrics.find((m) => m.descriptor.name === name)!;
    assert.equal(metric.descriptor.unit, "s");
    const found = metric.dataPoints.find((p) => p.attributes.proxy_port === port);
    return found?.value as PointValue | undefined;
  };
  const busy = tallies.get(9000)!;
  busy.latency.record(0.002);
  busy.latency.record(0.3);
  const first = (await point("dewy.proxy.connect.latency", 9000))!;
  busy.latency.record(7);
  assert.deepEqual(first.buckets.counts, [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0], "a copy");
  assert.deepEqual([first.count, first.sum, first.min, first.max], [2, 0.302, 0.002, 0.3]);
  const second = (await point("dewy.proxy.connect.latency", 9000))!;
  assert.deepEqual([second.count, second.max, second.buckets.counts.at(-1)], [3, 7, 1]);
  assert.equal(await point("dewy.proxy.connection.duration", 9001), undefined, "an idle port");
  busy.duration.record(12);
  const duration = await point("dewy.proxy.connection.duration", 9000);
  assert.deepEqual(duration!.buckets.boundaries, CONNECTION_DURATION_BUCKETS);
  assert.deepEqual(duration!.buckets.counts, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});
