/**
 * The gRPC half of the OTLP push: builds the official `OTLPMetricExporter` with grpc-js
 * credentials and metadata from already validated {@link OtlpSettings}.
 *
 * Only `otlp.ts` imports this module, dynamically and only when `--otlp-endpoint` is set:
 * grpc-js and the exporter cost about 10 MiB of resident memory that a Prometheus-only or
 * telemetry-off dewy does not pay.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { credentials, Metadata } from "@grpc/grpc-js";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";

/** Everything the gRPC exporter needs, validated and read from the environment. */
export interface OtlpSettings {
  /** `http://host:port` (plaintext) or `https://host:port` (TLS). */
  url: string;
  /** TLS material (null entries = system roots / no client certificate); absent = plaintext. */
  tls?: { ca: Buffer | null; key: Buffer | null; cert: Buffer | null };
  /** gRPC metadata sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`). */
  headers: Record<string, string>;
  /** Export deadline. */
  timeoutMillis: number;
  /** gRPC user agent. */
  userAgent: string;
}

/** The OTLP/gRPC exporter for `settings`. Never dials; the first export does. */
export function createGrpcExporter(settings: OtlpSettings): PushMetricExporter {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(settings.headers)) metadata.set(key, value);
  // Credentials and metadata are built here from our own (statically imported) grpc-js, and
  // the URL scheme matches them, so the exporter never needs the environment's defaults.
  const tls = settings.tls;
  return new OTLPMetricExporter({
    url: settings.url,
    credentials: tls
      ? credentials.createSsl(tls.ca, tls.key, tls.cert)
      : credentials.createInsecure(),
    metadata,
    timeoutMillis: settings.timeoutMillis,
    userAgent: settings.userAgent,
  });
}
