/**
 * The OTLP/gRPC push side of telemetry: endpoint parsing, TLS or plaintext credentials, the
 * export interval, and a periodic reader whose exporter reports failure streaks. Creating it
 * never dials, so an unreachable collector cannot delay start-up.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { type ChannelCredentials, credentials } from "@grpc/grpc-js";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { ConfigError } from "../errors.ts";
import { OTLP_EXPORT_INTERVAL_MS } from "../defaults.ts";
import type { Logger } from "../log.ts";
import type { EnvGetter } from "./resource.ts";
import { ReportingExporter } from "./reporting-exporter.ts";

/** A parsed `--otlp-endpoint`. */
export interface OtlpEndpoint {
  /** Host name or IP (IPv6 without brackets). Use a name in the certificate for TLS. */
  host: string;
  /** TCP port. */
  port: number;
}

/**
 * Parse `host:port` (`[::1]:4317` for IPv6). Throws a {@link ConfigError} for a scheme, a
 * missing or bad port.
 */
export function parseOtlpEndpoint(value: string): OtlpEndpoint {
  const bad = (why: string) =>
    new ConfigError(
      "--otlp-endpoint",
      `--otlp-endpoint "${value}": ${why} (expected host:port, e.g. localhost:4317)`,
    );
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw bad("give no scheme; TLS is the default, --otlp-insecure selects plaintext");
  }
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(value.trim());
  if (!match) throw bad("not host:port");
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw bad(`port ${port} is out of range 1-65535`);
  return { host: match[1] ?? match[2], port };
}

/** Options of {@link createOtlpReader}. */
export interface OtlpReaderOptions {
  /** `host:port` of the collector. */
  endpoint: string;
  /** Plaintext gRPC instead of TLS. */
  insecure: boolean;
  /** Environment (`OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_EXPORTER_OTLP_[METRICS_]CERTIFICATE`, ...). */
  env: EnvGetter;
  /** Where export failure streaks are reported. */
  logger: Logger;
}

/** The reader to register on the meter provider, and its exporter (for export statistics). */
export interface OtlpReader {
  /** Pushes every interval and once more at shutdown. */
  reader: PeriodicExportingMetricReader;
  /** The reporting exporter inside the reader. */
  exporter: ReportingExporter;
}

/** Build the OTLP/gRPC periodic reader. Throws {@link ConfigError} for bad settings. */
export function createOtlpReader(options: OtlpReaderOptions): OtlpReader {
  const { host, port } = parseOtlpEndpoint(options.endpoint);
  const isIp = host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
  if (isIp && !options.insecure) {
    // grpc-js sends the host as the TLS server name, and Bun and Deno refuse an IP there.
    throw new ConfigError(
      "--otlp-endpoint",
      `--otlp-endpoint "${options.endpoint}": TLS needs the collector's host name (the name in ` +
        "its certificate), not an IP address; use the name, or --otlp-insecure for plaintext",
    );
  }
  const exportIntervalMillis = exportInterval(options.env);
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const otlp = new OTLPMetricExporter({
    url: `${options.insecure ? "http" : "https"}://${authority}`,
    credentials: options.insecure ? credentials.createInsecure() : tlsCredentials(options.env),
  });
  const exporter = new ReportingExporter(otlp, options.logger, options.endpoint);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis });
  return { reader, exporter };
}

/** `OTEL_METRIC_EXPORT_INTERVAL` in ms when set, else {@link OTLP_EXPORT_INTERVAL_MS}. */
function exportInterval(env: EnvGetter): number {
  const raw = env("OTEL_METRIC_EXPORT_INTERVAL")?.trim();
  if (!raw) return OTLP_EXPORT_INTERVAL_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new ConfigError(
      "OTEL_METRIC_EXPORT_INTERVAL",
      `OTEL_METRIC_EXPORT_INTERVAL "${raw}" is not a positive number of milliseconds (e.g. 15000)`,
    );
  }
  return ms;
}

/** TLS with the system roots, or the CA (and client pair) named by the OTLP environment. */
function tlsCredentials(env: EnvGetter): ChannelCredentials {
  const ca = readPem(env, "CERTIFICATE");
  const key = readPem(env, "CLIENT_KEY");
  const cert = readPem(env, "CLIENT_CERTIFICATE");
  if ((key === null) !== (cert === null)) {
    throw new ConfigError(
      "OTEL_EXPORTER_OTLP_CLIENT_KEY",
      "OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE must be set together",
    );
  }
  return credentials.createSsl(ca, key, cert);
}

/** The file named by `OTEL_EXPORTER_OTLP_METRICS_<what>` or `OTEL_EXPORTER_OTLP_<what>`. */
function readPem(env: EnvGetter, what: string): Buffer | null {
  const names = [`OTEL_EXPORTER_OTLP_METRICS_${what}`, `OTEL_EXPORTER_OTLP_${what}`];
  const name = names.find((n) => env(n)?.trim());
  if (!name) return null;
  const path = env(name)!.trim();
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ConfigError(
      name,
      `${name}=${path}: cannot read the file (${(cause as Error).message})`,
      {
        cause,
      },
    );
  }
}
