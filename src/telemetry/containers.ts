/**
 * The observable container gauges: status, restarts, desired replicas, OOM
 * kill, last exit code, start time and info of every managed container of the app, sampled
 * from the engine through one shared, cached and time-bounded observation.
 *
 * @module
 */
import type { Meter, ObservableGauge } from "@opentelemetry/api";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ContainerDetails, Engine } from "../engine/types.ts";
import type { Logger } from "../log.ts";
import { CachedLoad } from "./cached-load.ts";

/** Container gauges reuse one engine observation for this long (scrapes + OTLP share it). */
const CONTAINER_METRICS_CACHE_MS = 5_000;
/** Bound on one engine observation for the container gauges. */
const CONTAINER_METRICS_TIMEOUT_MS = 2_000;

/** The container states reported by `dewy.container.status`, one series each. */
export const CONTAINER_STATES: readonly string[] = [
  "created",
  "running",
  "paused",
  "restarting",
  "exited",
  "dead",
];

/** Where the container gauges read from. */
export interface ContainerSource {
  /** The engine holding the app's containers. */
  engine: Engine;
  /** App name (the `dewy.app` label). */
  app: string;
  /** `--replicas`, reported as `dewy.container.desired_replicas`. */
  desiredReplicas: number;
}

/** Options of {@link registerContainerGauges}. */
export interface ContainerGaugeOptions {
  /** Where an engine failure streak is reported. */
  logger: Logger;
  /** Observation reused for this long (default {@link CONTAINER_METRICS_CACHE_MS}). */
  cacheMs?: number;
  /** Bound on one observation (default {@link CONTAINER_METRICS_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Clock for the cache window in ms (default `performance.now`). */
  now?: () => number;
}

/** The managed containers of `app`, running or not, inspected. */
async function observeContainers(
  engine: Engine,
  app: string,
  signal: AbortSignal,
): Promise<ContainerDetails[]> {
  const listed = await engine.listContainers(
    { "dewy.managed": "true", "dewy.app": app },
    { all: true, signal },
  );
  // A container removed between list and inspect simply drops out of this sample.
  const inspected = await Promise.all(
    listed.map((c) => engine.inspectContainer(c.id, signal).catch(() => undefined)),
  );
  return inspected.filter((c): c is ContainerDetails => c !== undefined);
}

/** `dewy.container.desired_replicas` on `meter`. */
function desiredReplicasGauge(meter: Meter): ObservableGauge {
  return meter.createObservableGauge("dewy.container.desired_replicas", {
    description: "Replicas dewy keeps running",
    unit: "{replica}",
  });
}

/**
 * Service mode: `dewy.container.desired_replicas` of `app` from `read` (the service's spec),
 * observed at collection; nothing while `read` answers `undefined` (a global service).
 */
export function registerDesiredReplicasGauge(
  meter: Meter,
  app: string,
  read: () => number | undefined,
): void {
  const attrs = { app };
  desiredReplicasGauge(meter).addCallback((result) => {
    const desired = read();
    if (desired !== undefined) result.observe(desired, attrs);
  });
}

/**
 * Drops the series of containers that are gone from collected metrics. The SDK keeps reporting
 * every attribute set an observable gauge ever observed, so without this a removed replica
 * would stay `running` on `/metrics` and in OTLP forever.
 */
export type StaleSeriesFilter = (metrics: ResourceMetrics) => ResourceMetrics;

/** Keep only data points without a `container` attribute or of a container in `live`. */
function withoutGoneContainers(
  metrics: ResourceMetrics,
  live: ReadonlySet<string>,
): ResourceMetrics {
  return {
    ...metrics,
    scopeMetrics: metrics.scopeMetrics.map((scope) => ({
      ...scope,
      metrics: scope.metrics.map((metric) => {
        if (!metric.descriptor.name.startsWith("dewy.container.")) return metric;
        const dataPoints = (metric.dataPoints as Array<{ attributes: Record<string, unknown> }>)
          .filter(({ attributes }) => {
            const container = attributes.container;
            return typeof container !== "string" || live.has(container);
          });
        return { ...metric, dataPoints } as typeof metric;
      }),
    })),
  };
}

/**
 * Register the container gauges on `meter`; one callback feeds them all. Returns the filter
 * that readers apply to what they collect (see {@link StaleSeriesFilter}).
 */
export function registerContainerGauges(
  meter: Meter,
  source: ContainerSource,
  options: ContainerGaugeOptions,
): StaleSeriesFilter {
  const gauge = (name: string, description: string, unit?: string): ObservableGauge =>
    meter.createObservableGauge(name, { description, unit });
  const status = gauge(
    "dewy.container.status",
    "1 for the container's current state, 0 for the others",
  );
  const restarts = gauge(
    "dewy.container.restarts",
    "Engine restart count of the container",
    "{restart}",
  );
  const desired = desiredReplicasGauge(meter);
  const oomKilled = gauge(
    "dewy.container.oom_killed",
    "1 when the stopped container was OOM-killed",
  );
  const exitCode = gauge(
    "dewy.container.last_terminated.exit_code",
    "Exit code of the stopped container",
  );
  const started = gauge("dewy.container.started.timestamp", "Unix time the container started", "s");
  const info = gauge("dewy.container.info", "Always 1; image and version as attributes");

  let failing = false;
  const cache = new CachedLoad({
    what: "container engine (metrics sample)",
    load: (signal) => observeContainers(source.engine, source.app, signal),
    ttlMs: options.cacheMs ?? CONTAINER_METRICS_CACHE_MS,
    timeoutMs: options.timeoutMs ?? CONTAINER_METRICS_TIMEOUT_MS,
    now: options.now,
  });
  const appAttrs = { app: source.app };
  let live: ReadonlySet<string> = new Set();

  meter.addBatchObservableCallback(async (result) => {
    result.observe(desired, Math.max(1, source.desiredReplicas), appAttrs);
    const outcome = await cache.get();
    if (!outcome.ok) {
      if (!failing) {
        options.logger.warn("Container metrics unavailable: cannot read the engine", {
          app: source.app,
          error: outcome.error,
        });
      }
      failing = true;
      live = new Set();
      return;
    }
    failing = false;
    live = new Set(outcome.value.map((c) => c.name));
    for (const c of outcome.value) {
      const attrs = { app: source.app, container: c.name, replica: c.labels["dewy.replica"] ?? "" };
      for (const state of CONTAINER_STATES) {
        result.observe(status, c.state === state ? 1 : 0, { ...attrs, state });
      }
      result.observe(restarts, c.restartCount, attrs);
      if (c.state === "exited" || c.state === "dead") {
        result.observe(exitCode, c.exitCode, attrs);
        result.observe(oomKilled, c.oomKilled ? 1 : 0, attrs);
      }
      const startedMs = Date.parse(c.startedAt);
      if (startedMs > 0) result.observe(started, startedMs / 1000, attrs);
      result.observe(info, 1, {
        ...attrs,
        image: c.image,
        version: c.labels["dewy.version"] ?? "",
      });
    }
  }, [status, restarts, desired, oomKilled, exitCode, started, info]);
  return (metrics) => withoutGoneContainers(metrics, live);
}
