/**
 * Telemetry: the {@link Telemetry} pipeline (Prometheus `/metrics` and OTLP/gRPC push) and
 * what its callers need. Create it with {@link createTelemetry}, which returns `undefined`
 * when telemetry is off.
 *
 * @module
 */
export {
  createTelemetry,
  METER_NAME,
  Telemetry,
  type TelemetryDeps,
  type TelemetryOptions,
} from "./telemetry.ts";
export { type OtlpEndpoint, parseOtlpEndpoint } from "./otlp.ts";
export { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
export type { ContainerSource } from "./containers.ts";
