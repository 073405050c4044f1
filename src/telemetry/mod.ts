/**
 * Telemetry: the {@link Telemetry} pipeline (Prometheus `/metrics` and OTLP/gRPC push) and
 * what its callers need. Create it with {@link createTelemetry}, which returns `undefined`
 * when telemetry is off.
 *
 * @module
 */
export { createTelemetry, type TelemetryDeps } from "./create.ts";
export { METER_NAME, Telemetry, type TelemetryOptions } from "./telemetry.ts";
export { type OtlpEndpoint, parseOtlpEndpoint } from "./otlp.ts";
export type { ContainerSource } from "./containers.ts";
