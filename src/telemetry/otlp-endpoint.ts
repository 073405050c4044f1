/**
 * `--otlp-endpoint HOST:PORT` (with `--otlp-insecure`): the one parser of the OTLP collector
 * address, used by the CLI and by the telemetry pipeline.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** A validated OTLP/gRPC collector endpoint. */
export interface OtlpEndpoint {
  /** `host:port` as given (trimmed), for logs. */
  address: string;
  /** Host name or IP (IPv6 without brackets). */
  host: string;
  /** TCP port. */
  port: number;
  /** Plaintext gRPC instead of TLS (`--otlp-insecure`). */
  insecure: boolean;
}

const FLAG = "--otlp-endpoint";
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d+)$/;

/**
 * Parse `host:port` (`[::1]:4317` for IPv6). Throws a {@link ConfigError} for a scheme, a
 * missing or bad port, or an IP address with TLS (grpc-js sends the host as the TLS server
 * name, and Bun and Deno refuse an IP there).
 *
 * @example
 * ```ts
 * parseOtlpEndpoint("localhost:4317"); // { address: "localhost:4317", host: "localhost", port: 4317, insecure: false }
 * parseOtlpEndpoint("[::1]:4317", { insecure: true }).host; // "::1"
 * ```
 */
export function parseOtlpEndpoint(
  value: string,
  options: { insecure?: boolean } = {},
): OtlpEndpoint {
  const address = value.trim();
  const m = HOST_PORT.exec(address);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) {
    throw new ConfigError(
      FLAG,
      `${FLAG} "${address}" must be HOST:PORT without a scheme, e.g. localhost:4317 (add --otlp-insecure for plaintext)`,
    );
  }
  const host = m[1] ?? m[2];
  const insecure = options.insecure ?? false;
  if (!insecure && (host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host))) {
    throw new ConfigError(
      FLAG,
      `${FLAG} "${address}": TLS needs the collector's host name (the name in ` +
        "its certificate), not an IP address; use the name, or --otlp-insecure for plaintext",
    );
  }
  return { address, host, port, insecure };
}
