/**
 * The one place that knows dewy's metric names, kinds, units and buckets (`spec/telemetry.md`;
 * the container gauges are in `containers.ts`). The rest of dewy records through
 * {@link Telemetry} methods and never names a metric itself.
 *
 * The proxy's counters are observable: the proxy's hot path only bumps plain numbers in a
 * {@link ProxyTally}, and the SDK reads them at collection time. Per connection that leaves
 * two SDK calls (the two histograms) instead of six, each of which hashes its attributes.
 *
 * @module
 */
import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from "@opentelemetry/api";

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

/** The counts of one proxy port, bumped by the proxy's hooks and observed at collection. */
export class ProxyTally {
  /** `{ proxy_port }`, shared by every series of this port. */
  readonly attrs: Attributes;
  /** `dewy.proxy.connections.total` */
  connections = 0;
  /** `dewy.proxy.connections.active` */
  active = 0;
  /** `dewy.proxy.bytes.transferred` */
  bytes = 0;
  /** `dewy.proxy.errors.total` */
  errors = 0;
  /** `dewy.proxy.backends` */
  backends = 0;

  /** @param proxyPort the public port these counts belong to */
  constructor(proxyPort: number) {
    this.attrs = { proxy_port: proxyPort };
  }
}

/**
 * Register the proxy's observable counters on `meter`; one callback reads every port's
 * {@link ProxyTally} in `tallies` (ports added later are picked up).
 */
export function registerProxyCounters(
  meter: Meter,
  tallies: ReadonlyMap<number, ProxyTally>,
): void {
  const connections = meter.createObservableCounter("dewy.proxy.connections.total", {
    description: "Connections accepted by the proxy",
    unit: "{connection}",
  });
  const active = meter.createObservableUpDownCounter("dewy.proxy.connections.active", {
    description: "Connections open right now",
    unit: "{connection}",
  });
  const bytes = meter.createObservableCounter("dewy.proxy.bytes.transferred", {
    description: "Bytes through the proxy, both directions summed",
    unit: "By",
  });
  const errors = meter.createObservableCounter("dewy.proxy.errors.total", {
    description: "Proxy errors (no backend available, backend connect failed)",
    unit: "{error}",
  });
  const backends = meter.createObservableUpDownCounter("dewy.proxy.backends", {
    description: "Active proxy backends",
    unit: "{backend}",
  });
  meter.addBatchObservableCallback((result) => {
    for (const tally of tallies.values()) {
      result.observe(connections, tally.connections, tally.attrs);
      result.observe(active, tally.active, tally.attrs);
      result.observe(bytes, tally.bytes, tally.attrs);
      result.observe(errors, tally.errors, tally.attrs);
      result.observe(backends, tally.backends, tally.attrs);
    }
  }, [connections, active, bytes, errors, backends]);
}

/** The synchronous instruments of dewy, created once per meter. */
export interface Instruments {
  /** `dewy.proxy.connection.duration`: accept → close in seconds (`proxy_port`). */
  connectionDuration: Histogram;
  /** `dewy.proxy.connect.latency`: backend dial time in seconds (`proxy_port`). */
  connectLatency: Histogram;
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

/** Create every synchronous instrument of the contract on `meter` (the proxy's histograms too). */
export function createInstruments(meter: Meter): Instruments {
  return {
    connectionDuration: meter.createHistogram("dewy.proxy.connection.duration", {
      description: "Time from accept to close of a proxied connection",
      unit: "s",
    }),
    connectLatency: meter.createHistogram("dewy.proxy.connect.latency", {
      description: "Time to establish the backend connection",
      unit: "s",
      advice: { explicitBucketBoundaries: [...CONNECT_LATENCY_BUCKETS] },
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
