/**
 * The OTLP/gRPC push side of telemetry: the OTLP environment (interval,
 * timeout, headers, certificates) validated at start-up, and a periodic reader whose exporter
 * reports failure streaks. Creating it never dials, so an unreachable collector cannot delay
 * start-up.
 *
 * The gRPC exporter itself (`otlp-grpc.ts`, with grpc-js) is imported only here, dynamically,
 * so dewy without `--otlp-endpoint` never loads it (its settings type is a type-only import).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import {
  type MetricProducer,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { OtlpSettings } from "./otlp-grpc.ts";
import type { EnvGetter } from "./resource.ts";
import { parseKeyValues } from "./key-values.ts";
import type { OtlpEndpoint } from "./otlp-endpoint.ts";
import { EXPORT_FAILED, type ExportResult, ReportingExporter } from "./reporting-exporter.ts";

/** OTLP push interval (`OTEL_METRIC_EXPORT_INTERVAL` overrides). */
const OTLP_EXPORT_INTERVAL_MS = 15_000;
/** Deadline of one OTLP export call (`OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT` overrides). */
const OTLP_EXPORT_TIMEOUT_MS = 10_000;

/** Options of {@link createOtlpReader}. */
export interface OtlpReaderOptions {
  /** The collector (see `otlp-endpoint.ts`). */
  endpoint: OtlpEndpoint;
  /** dewy's version, for the gRPC user agent. */
  version: string;
  /**
   * Environment: `OTEL_METRIC_EXPORT_INTERVAL`, and `OTEL_EXPORTER_OTLP_[METRICS_]` +
   * `TIMEOUT`, `HEADERS`, `CERTIFICATE`, `CLIENT_KEY`, `CLIENT_CERTIFICATE`.
   */
  env: EnvGetter;
  /** Where export failure streaks are reported. */
  logger: Logger;
  /** Applied to every collection before export. */
  filter?: (metrics: ResourceMetrics) => ResourceMetrics;
  /** Metrics collected besides the meter provider's own. */
  metricProducers?: MetricProducer[];
}

/** The reader to register on the meter provider, and its exporter (for export statistics). */
export interface OtlpReader {
  /** Pushes every interval and once more at shutdown. */
  reader: PeriodicExportingMetricReader;
  /** The reporting exporter inside the reader. */
  exporter: ReportingExporter;
  /** Resolves once the gRPC exporter exists; rejects with {@link ConfigError} if grpc-js refused a setting. */
  ready: Promise<void>;
  /** The push interval in effect, ms. */
  intervalMs: number;
}

/**
 * Build the OTLP/gRPC periodic reader. Throws {@link ConfigError} for bad settings right away;
 * the gRPC exporter loads in the background (`ready` tells when, or what grpc-js refused) and
 * the first export waits for it.
 */
export function createOtlpReader(options: OtlpReaderOptions): OtlpReader {
  const settings = otlpSettings(options);
  const exportIntervalMillis = positiveMs(
    options.env,
    "OTEL_METRIC_EXPORT_INTERVAL",
    OTLP_EXPORT_INTERVAL_MS,
  );
  const grpc = import("./otlp-grpc.ts")
    .then((module) => module.createGrpcExporter(settings))
    .catch((cause) => {
      // grpc-js checks what only it knows: header names, and (on Bun) that TLS files are PEM.
      throw new ConfigError(
        "--otlp-endpoint",
        `cannot set up the OTLP exporter for "${options.endpoint.address}": ${
          errorMessage(cause)
        } ` +
          "(check OTEL_EXPORTER_OTLP_HEADERS and the OTEL_EXPORTER_OTLP_CERTIFICATE, " +
          "_CLIENT_KEY and _CLIENT_CERTIFICATE files)",
        { cause },
      );
    });
  const exporter = new ReportingExporter(
    new PendingExporter(grpc),
    options.logger,
    options.endpoint.address,
    options.filter,
  );
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis,
    metricProducers: options.metricProducers,
  });
  const ready = grpc.then(() => {});
  ready.catch(() => {}); // a caller that awaits `ready` sees the rejection; no one else must
  return { reader, exporter, ready, intervalMs: exportIntervalMillis };
}

/** Read the OTLP environment for the (already validated) endpoint into {@link OtlpSettings}. */
function otlpSettings(options: OtlpReaderOptions): OtlpSettings {
  const { host, port, insecure } = options.endpoint;
  const { env } = options;
  const headers = otlpVariable(env, "HEADERS");
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    url: `${insecure ? "http" : "https"}://${target}`,
    tls: insecure ? undefined : tlsMaterial(env),
    headers: headers ? parseKeyValues(headers.value, headers.name) : {},
    timeoutMillis: positiveMs(env, otlpVariable(env, "TIMEOUT")?.name, OTLP_EXPORT_TIMEOUT_MS),
    userAgent: `dewy/${options.version}`,
  };
}

/**
 * An exporter that is still loading: every call waits for it. A failed load fails each export
 * (so the reporting exporter logs it) and never rejects a flush or shutdown.
 */
class PendingExporter implements PushMetricExporter {
  #loaded: Promise<PushMetricExporter>;

  constructor(loading: Promise<PushMetricExporter>) {
    this.#loaded = loading;
    loading.catch(() => {}); // reported by the first export, not as an unhandled rejection
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const failed = (error: unknown) =>
      resultCallback({ code: EXPORT_FAILED, error: error as Error });
    this.#loaded.then((exporter) => exporter.export(metrics, resultCallback), failed).catch(failed);
  }

  forceFlush(): Promise<void> {
    return this.#loaded.then((exporter) => exporter.forceFlush(), () => {});
  }

  shutdown(): Promise<void> {
    return this.#loaded.then((exporter) => exporter.shutdown(), () => {});
  }
}

/** `OTEL_EXPORTER_OTLP_METRICS_<what>`, else `OTEL_EXPORTER_OTLP_<what>`, when set. */
function otlpVariable(env: EnvGetter, what: string): { name: string; value: string } | undefined {
  for (const name of [`OTEL_EXPORTER_OTLP_METRICS_${what}`, `OTEL_EXPORTER_OTLP_${what}`]) {
    const value = env(name)?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** Milliseconds from variable `name` when set (a positive integer), else `fallback`. */
function positiveMs(env: EnvGetter, name: string | undefined, fallback: number): number {
  const raw = name ? env(name)?.trim() : undefined;
  if (!raw) return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new ConfigError(
      name!,
      `${name} "${raw}" is not a positive number of milliseconds (e.g. ${fallback})`,
    );
  }
  return ms;
}

/** The CA (and client pair) named by the OTLP environment; null entries = system roots / none. */
function tlsMaterial(env: EnvGetter): NonNullable<OtlpSettings["tls"]> {
  const ca = readPem(env, "CERTIFICATE");
  const key = readPem(env, "CLIENT_KEY");
  const cert = readPem(env, "CLIENT_CERTIFICATE");
  if ((key === null) !== (cert === null)) {
    throw new ConfigError(
      "OTEL_EXPORTER_OTLP_CLIENT_KEY",
      "OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE must be set together",
    );
  }
  return { ca, key, cert };
}

/** The PEM file named by the OTLP variable for `what`, or null when unset. */
function readPem(env: EnvGetter, what: string): Buffer | null {
  const variable = otlpVariable(env, what);
  if (!variable) return null;
  try {
    return readFileSync(variable.value);
  } catch (cause) {
    throw new ConfigError(
      variable.name,
      `${variable.name}=${variable.value}: cannot read the file (${(cause as Error).message})`,
      { cause },
    );
  }
}
