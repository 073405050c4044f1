/**
 * The pull side of telemetry: a Prometheus reader that never starts its own HTTP server; the
 * admin API serialises it on demand for `GET /metrics`.
 *
 * Names are the OTel names with `.` as `_`, `_total` on counters and no unit suffix (exporter
 * 0.301), as the documented PromQL expects (`dewy_proxy_errors_total`).
 *
 * @module
 */
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import type { MetricProducer, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { type Logger, silentLogger } from "../log.ts";

/**
 * A metric reader to register on the meter provider, rendering the text exposition format.
 *
 * @example
 * ```ts
 * const prometheus = new PrometheusReader(logger);
 * const provider = new MeterProvider({ readers: [prometheus.reader] });
 * const body = await prometheus.render();
 * ```
 */
export class PrometheusReader {
  /** The reader (no server of its own). */
  readonly reader: PrometheusExporter;
  #serializer = new PrometheusSerializer();
  #log: Logger;
  #filter: (metrics: ResourceMetrics) => ResourceMetrics;

  /**
   * @param logger where collection errors are reported (the metrics that did collect are served)
   * @param filter applied to every collection before it is rendered
   * @param metricProducers metrics collected besides the meter provider's own
   */
  constructor(
    logger: Logger = silentLogger,
    filter: (metrics: ResourceMetrics) => ResourceMetrics = (m) => m,
    metricProducers: MetricProducer[] = [],
  ) {
    this.reader = new PrometheusExporter({ preventServerStart: true, metricProducers });
    this.#log = logger;
    this.#filter = filter;
  }

  /** Collect every instrument now and render the exposition text. */
  async render(): Promise<string> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) {
      this.#log.warn("Some metrics could not be collected for /metrics", {
        error: errors.map(String).join("; "),
      });
    }
    return this.#serializer.serialize(this.#filter(resourceMetrics));
  }
}
