/**
 * An OTLP/gRPC metric exporter on `@grpc/grpc-js` and the OTLP protobuf serializer of
 * `@opentelemetry/otlp-transformer`.
 *
 * Why not `@opentelemetry/exporter-metrics-otlp-grpc`: its transport loads `@grpc/grpc-js` with
 * a runtime `createRequire()` call that a `bun build --compile` binary cannot resolve (every
 * export fails with "Cannot find module '@grpc/grpc-js'"), while static imports like these are
 * bundled into the single binary.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type ChannelCredentials, Client, Metadata } from "@grpc/grpc-js";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { EXPORT_FAILED, EXPORT_SUCCESS, type ExportResult } from "./reporting-exporter.ts";

/** The OTLP metrics service method. */
const EXPORT_METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

const identity = (bytes: Buffer): Buffer => bytes;

/** Options of {@link OtlpGrpcMetricExporter}. */
export interface OtlpGrpcExporterOptions {
  /** `host:port` (`[v6]:port`) of the collector. */
  target: string;
  /** TLS or plaintext credentials. */
  credentials: ChannelCredentials;
  /** Headers sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`). */
  headers: Record<string, string>;
  /** Deadline of one export call. */
  timeoutMs: number;
  /** gRPC user agent, e.g. `dewy/1.2.3`. */
  userAgent: string;
}

/**
 * Pushes metrics to an OTLP collector, one unary `Export` call per collection. Creating it does
 * not dial; the channel connects on the first export and reconnects by itself.
 *
 * @example
 * ```ts
 * const exporter = new OtlpGrpcMetricExporter({
 *   target: "localhost:4317", credentials: credentials.createSsl(), headers: {},
 *   timeoutMs: 10_000, userAgent: "dewy/1.0.0",
 * });
 * ```
 */
export class OtlpGrpcMetricExporter implements PushMetricExporter {
  #client: Client;
  #metadata = new Metadata();
  #timeoutMs: number;
  #pending = new Set<Promise<void>>();
  #shutDown = false;

  /** @param options collector, credentials, headers, deadline and user agent */
  constructor(options: OtlpGrpcExporterOptions) {
    this.#client = new Client(options.target, options.credentials, {
      "grpc.primary_user_agent": options.userAgent,
    });
    for (const [key, value] of Object.entries(options.headers)) this.#metadata.set(key, value);
    this.#timeoutMs = options.timeoutMs;
  }

  /** Serialize and send `metrics`; `resultCallback` gets the outcome of the call. */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.#shutDown) {
      resultCallback({ code: EXPORT_FAILED, error: new Error("OTLP exporter is shut down") });
      return;
    }
    const body = ProtobufMetricsSerializer.serializeRequest(metrics);
    if (!body) {
      resultCallback({ code: EXPORT_FAILED, error: new Error("metrics could not be serialized") });
      return;
    }
    const sent = new Promise<void>((resolve) => {
      this.#client.makeUnaryRequest(
        EXPORT_METHOD,
        identity,
        identity,
        Buffer.from(body),
        this.#metadata,
        { deadline: Date.now() + this.#timeoutMs },
        (error) => {
          resultCallback(error ? { code: EXPORT_FAILED, error } : { code: EXPORT_SUCCESS });
          resolve();
        },
      );
    });
    this.#pending.add(sent);
    sent.then(() => this.#pending.delete(sent));
  }

  /** Resolve when every export in flight has finished. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.#pending);
  }

  /** Finish the exports in flight, then close the channel. */
  async shutdown(): Promise<void> {
    this.#shutDown = true;
    await this.forceFlush();
    this.#client.close();
  }
}
