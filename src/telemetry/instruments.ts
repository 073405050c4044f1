/**
 * The one place that knows dewy's metric names, kinds, units and buckets (the container gauges
 * are in `containers.ts`); the rest of dewy records through {@link Telemetry} methods.
 *
 * The proxy's hot path makes no SDK call (each one hashes its attributes): it bumps plain
 * numbers in a {@link ProxyTally}, which the SDK reads at collection time.
 *
 * @module
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type HrTime,
  type Meter,
  type UpDownCounter,
  ValueType,
} from "@opentelemetry/api";
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import type { Resource } from "@opentelemetry/resources";
import { PlainHistogram } from "./plain-histogram.ts";
import { PROXY_ERROR_KINDS, type ProxyErrorKind } from "../proxy/error-kinds.ts";

/**
 * Instrumentation scope of every dewy metric (`otel_scope_name` on `/metrics`): Go Dewy's, so
 * queries and alerts that select on it keep working.
 */
export const METER_NAME = "github.com/linyows/dewy";

/**
 * Buckets of `dewy.proxy.connection.duration` (seconds): none are documented, so the SDK's
 * default explicit buckets.
 */
export const CONNECTION_DURATION_BUCKETS: readonly number[] = [
  0,
  5,
  10,
  25,
  50,
  75,
  100,
  250,
  500,
  750,
  1000,
  2500,
  5000,
  7500,
  10000,
];

/** Buckets of `dewy.proxy.connect.latency` (seconds), the documented ones (dashboards use them). */
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

/** Buckets of `dewy.deployment.duration` (seconds), the documented ones (dashboards use them). */
export const DEPLOYMENT_DURATION_BUCKETS: readonly number[] = [1, 5, 10, 30, 60, 120, 300, 600];

/** The counts of one proxy port, bumped by the proxy's hooks and observed at collection. */
export class ProxyTally {
  /** `{ proxy_port }`, shared by every series of this port. */
  readonly attrs: Attributes;
  /** When counting began: the start time of this port's cumulative histogram points. */
  readonly since: HrTime = hrTimeOf(Date.now());
  /** `dewy.proxy.connection.duration` */
  readonly duration = new PlainHistogram(CONNECTION_DURATION_BUCKETS);
  /** `dewy.proxy.connect.latency` */
  readonly latency = new PlainHistogram(CONNECT_LATENCY_BUCKETS);
  /** `dewy.proxy.connections.total` */
  connections = 0;
  /** `dewy.proxy.connections.active` */
  active = 0;
  /** `dewy.proxy.bytes.transferred` */
  bytes = 0;
  /** `dewy.proxy.errors.total`, by cause (`error.type`). */
  readonly errors: Record<ProxyErrorKind, number> = {
    no_backend: 0,
    connect_failed: 0,
    max_connections: 0,
  };
  /** `{ proxy_port, error.type }` of each cause's series. */
  readonly errorAttrs: Record<ProxyErrorKind, Attributes>;
  /** `dewy.proxy.backends` */
  backends = 0;

  /** @param proxyPort the public port these counts belong to */
  constructor(proxyPort: number) {
    this.attrs = { proxy_port: proxyPort };
    const byKind = (kind: ProxyErrorKind) => [kind, { ...this.attrs, "error.type": kind }];
    this.errorAttrs = Object.fromEntries(PROXY_ERROR_KINDS.map(byKind));
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
    description:
      "Proxy errors by error.type: no backend available, backend connect failed, refused at --max-connections",
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
      for (const kind of PROXY_ERROR_KINDS) {
        result.observe(errors, tally.errors[kind], tally.errorAttrs[kind]);
      }
      result.observe(backends, tally.backends, tally.attrs);
    }
  }, [connections, active, bytes, errors, backends]);
}

/**
 * The proxy's two histograms for a metric reader (`metricProducers`): at each collection, one
 * cumulative point per port that has recorded a value, from the {@link ProxyTally}s in
 * `tallies` (ports added later are picked up), in the {@link METER_NAME} scope under `resource`. Points
 * are copies, so an export that is serialised later never sees counts move.
 */
export function proxyHistogramProducer(
  tallies: ReadonlyMap<number, ProxyTally>,
  resource: Resource,
): MetricProducer {
  const metric = (
    name: string,
    description: string,
    pick: (tally: ProxyTally) => PlainHistogram,
    endTime: HrTime,
  ): HistogramMetricData => ({
    descriptor: { name, description, unit: "s", valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    // Like the SDK's histograms, a port has a series from its first value on: a series of
    // zeros would make `histogram_quantile` answer NaN for a port that never dialled.
    dataPoints: [...tallies.values()].flatMap((tally) => {
      const h = pick(tally);
      if (h.count === 0) return [];
      const buckets = { boundaries: [...h.boundaries], counts: h.counts.slice() };
      const value = { buckets, count: h.count, sum: h.sum, min: h.min, max: h.max };
      return [{ attributes: tally.attrs, startTime: tally.since, endTime, value }];
    }),
  });
  return {
    collect(): Promise<CollectionResult> {
      const now = hrTimeOf(Date.now());
      const metrics = [
        metric(
          "dewy.proxy.connection.duration",
          "Time from accept to close of a proxied connection",
          (t) => t.duration,
          now,
        ),
        metric(
          "dewy.proxy.connect.latency",
          "Time to establish the backend connection",
          (t) => t.latency,
          now,
        ),
      ];
      return Promise.resolve({
        resourceMetrics: { resource, scopeMetrics: [{ scope: { name: METER_NAME }, metrics }] },
        errors: [],
      });
    },
  };
}

/** Epoch milliseconds as OpenTelemetry's `[seconds, nanoseconds]`. */
function hrTimeOf(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** The synchronous instruments of dewy, created once per meter (the proxy has none). */
export interface Instruments {
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

/** Create every synchronous instrument of dewy's metrics on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  return {
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

/**
 * `dewy.deploy.paused`: 1 while automatic deploys are paused or pinned, else 0 (`app`), read
 * from `paused` at collection time.
 */
export function registerPausedGauge(meter: Meter, paused: () => number, attrs: Attributes): void {
  meter.createObservableGauge("dewy.deploy.paused", {
    description: "Whether automatic deploys are paused (1) or run (0)",
  }).addCallback((result) => result.observe(paused(), attrs));
}
