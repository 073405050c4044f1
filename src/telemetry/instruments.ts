/**
 * The one place that knows dewy's synchronous metric names, kinds, units and buckets
 * (`spec/telemetry.md`). The rest of dewy records through {@link Telemetry} methods and never
 * names a metric itself.
 *
 * @module
 */
import type { Counter, Histogram, Meter, UpDownCounter } from "@opentelemetry/api";

/** Buckets of `dewy.proxy.connect.latency` (seconds), exactly as the contract lists them. */
export const CONNECT_LATENCY_BUCKETS: readonly number[] = [
  0.001,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  5,
];

/** Buckets of `dewy.deployment.duration` (seconds), exactly as the contract lists them. */
export const DEPLOYMENT_DURATION_BUCKETS: readonly number[] = [1, 5, 10, 30, 60, 120, 300, 600];

/** The synchronous instruments of dewy, created once per meter. */
export interface Instruments {
  /** `dewy.proxy.connections.total`: connections accepted (`proxy_port`). */
  connections: Counter;
  /** `dewy.proxy.connections.active`: connections open now (`proxy_port`). */
  activeConnections: UpDownCounter;
  /** `dewy.proxy.connection.duration`: accept → close in seconds (`proxy_port`). */
  connectionDuration: Histogram;
  /** `dewy.proxy.connect.latency`: backend dial time in seconds (`proxy_port`). */
  connectLatency: Histogram;
  /** `dewy.proxy.bytes.transferred`: bytes both ways (`proxy_port`). */
  bytes: Counter;
  /** `dewy.proxy.errors.total`: no backend / dial failed (`proxy_port`). */
  proxyErrors: Counter;
  /** `dewy.proxy.backends`: backends in rotation (`proxy_port`). */
  backends: UpDownCounter;
  /** `dewy.deployments.total`: successful deployments (`command`). */
  deployments: Counter;
  /** `dewy.deployment.duration`: seconds of a successful deployment (`command`). */
  deploymentDuration: Histogram;
  /** `dewy.deployment.errors.total`: failed deployments (`command`). */
  deploymentErrors: Counter;
  /** `dewy.healthchecks.total`: health probes run (no attributes). */
  healthChecks: Counter;
  /** `dewy.healthchecks.failures.total`: health probes failed (no attributes). */
  healthCheckFailures: Counter;
  /** `dewy.container.replicas`: replicas running (`app`). */
  replicas: UpDownCounter;
}

/** Create every synchronous instrument of the contract on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  return {
    connections: meter.createCounter("dewy.proxy.connections.total", {
      description: "Connections accepted by the proxy",
      unit: "{connection}",
    }),
    activeConnections: meter.createUpDownCounter("dewy.proxy.connections.active", {
      description: "Connections open right now",
      unit: "{connection}",
    }),
    connectionDuration: meter.createHistogram("dewy.proxy.connection.duration", {
      description: "Time from accept to close of a proxied connection",
      unit: "s",
    }),
    connectLatency: meter.createHistogram("dewy.proxy.connect.latency", {
      description: "Time to establish the backend connection",
      unit: "s",
      advice: { explicitBucketBoundaries: [...CONNECT_LATENCY_BUCKETS] },
    }),
    bytes: meter.createCounter("dewy.proxy.bytes.transferred", {
      description: "Bytes through the proxy, both directions summed",
      unit: "By",
    }),
    proxyErrors: meter.createCounter("dewy.proxy.errors.total", {
      description: "Proxy errors (no backend available, backend connect failed)",
      unit: "{error}",
    }),
    backends: meter.createUpDownCounter("dewy.proxy.backends", {
      description: "Active proxy backends",
      unit: "{backend}",
    }),
    deployments: meter.createCounter("dewy.deployments.total", {
      description: "Successful deployments",
      unit: "{deployment}",
    }),
    deploymentDuration: meter.createHistogram("dewy.deployment.duration", {
      description: "Duration of a deployment",
      unit: "s",
      advice: { explicitBucketBoundaries: [...DEPLOYMENT_DURATION_BUCKETS] },
    }),
    deploymentErrors: meter.createCounter("dewy.deployment.errors.total", {
      description: "Failed deployments",
      unit: "{error}",
    }),
    healthChecks: meter.createCounter("dewy.healthchecks.total", {
      description: "Health checks run",
      unit: "{check}",
    }),
    healthCheckFailures: meter.createCounter("dewy.healthchecks.failures.total", {
      description: "Health checks that failed",
      unit: "{check}",
    }),
    replicas: meter.createUpDownCounter("dewy.container.replicas", {
      description: "Container replicas running",
      unit: "{replica}",
    }),
  };
}
