/**
 * A push exporter wrapper that reports export results: a failed OTLP export neither rejects
 * `forceFlush()` nor throws, only the export callback's result code tells. This wrapper logs
 * the first failure of a streak and the recovery, so an unreachable collector is visible once,
 * not every interval.
 *
 * @module
 */
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { Logger } from "../log.ts";

/** The result an exporter passes to its export callback. */
export type ExportResult = Parameters<Parameters<PushMetricExporter["export"]>[1]>[0];

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
export const EXPORT_SUCCESS = 0;
/** `ExportResultCode.FAILED` of `@opentelemetry/core`. */
export const EXPORT_FAILED = 1;

/** What a TLS client reports when the peer answers in plaintext (OpenSSL/BoringSSL wordings). */
const PLAINTEXT_PEER = /WRONG_VERSION_NUMBER|wrong version number|packet length too long/i;

/** Counts of export outcomes, for tests and status. */
export interface ExportStats {
  /** Exports that succeeded. */
  succeeded: number;
  /** Exports that failed. */
  failed: number;
}

/**
 * Delegates to `inner` and logs failure streaks. Temporality and aggregation are the SDK's
 * defaults (cumulative, like `/metrics`).
 *
 * @example
 * ```ts
 * const exporter = new ReportingExporter(new OTLPMetricExporter(opts), logger, "localhost:4317");
 * ```
 */
export class ReportingExporter implements PushMetricExporter {
  /** Export outcomes so far. */
  readonly stats: ExportStats = { succeeded: 0, failed: 0 };
  #inner: PushMetricExporter;
  #log: Logger;
  #endpoint: string;
  #failing = false;
  #filter: (metrics: ResourceMetrics) => ResourceMetrics;

  /**
   * @param inner the real exporter @param logger where streaks are reported
   * @param endpoint for messages @param filter applied to every collection before export
   */
  constructor(
    inner: PushMetricExporter,
    logger: Logger,
    endpoint: string,
    filter: (metrics: ResourceMetrics) => ResourceMetrics = (m) => m,
  ) {
    this.#inner = inner;
    this.#log = logger;
    this.#endpoint = endpoint;
    this.#filter = filter;
  }

  /** Export through the inner exporter, then report the outcome. */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(this.#filter(metrics), (result) => {
      this.#record(result);
      resultCallback(result);
    });
  }

  /** Flush the inner exporter. */
  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  /** Shut the inner exporter down. */
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  #record(result: ExportResult): void {
    if (result.code === EXPORT_SUCCESS) {
      this.stats.succeeded++;
      if (this.#failing) {
        this.#failing = false;
        this.#log.info("OTLP metrics export recovered", { otlp_endpoint: this.#endpoint });
      }
      return;
    }
    this.stats.failed++;
    if (this.#failing) return;
    this.#failing = true;
    const error = result.error ?? "unknown error";
    const check = PLAINTEXT_PEER.test(String((error as Error)?.message ?? error))
      ? "the collector speaks plaintext gRPC: add --otlp-insecure"
      : "check --otlp-endpoint, the collector and --otlp-insecure/TLS";
    this.#log.warn(`OTLP metrics export failed; retrying every interval (${check})`, {
      otlp_endpoint: this.#endpoint,
      error,
    });
  }
}
