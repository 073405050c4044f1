/**
 * dewy's telemetry pipeline: one MeterProvider (not the global one) with the Prometheus reader
 * always and an OTLP/gRPC reader when an endpoint is given, every instrument, and the methods
 * the rest of dewy records through. Loaded only when telemetry is on (see `create.ts`).
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import { MeterProvider, type MetricReader } from "@opentelemetry/sdk-metrics";
import { type Logger, silentLogger } from "../log.ts";
import type { ProxyErrorKind, ProxyObserver } from "../proxy/proxy.ts";
import type { DeployObserver } from "../deploy/types.ts";
import type { PauseObserver } from "../control/control.ts";
import { errorMessage } from "../errors.ts";
import {
  createInstruments,
  type Instruments,
  METER_NAME,
  proxyHistogramProducer,
  ProxyTally,
  registerPausedGauge,
  registerProxyCounters,
} from "./instruments.ts";
import { buildResource, type EnvGetter } from "./resource.ts";
import { PrometheusReader } from "./prometheus.ts";
import { createOtlpReader } from "./otlp.ts";
import type { OtlpEndpoint } from "./otlp-endpoint.ts";
import type { ExportStats } from "./reporting-exporter.ts";
import {
  type ContainerSource,
  registerContainerGauges,
  registerDesiredReplicasGauge,
  type StaleSeriesFilter,
} from "./containers.ts";

/** Bound on the final telemetry flush at shutdown. */
const TELEMETRY_SHUTDOWN_TIMEOUT_MS = 5_000;

/** Options of {@link Telemetry}. */
export interface TelemetryOptions {
  /** dewy's version, reported as `service.version`. */
  version: string;
  /** App name: the `app` attribute of `dewy.container.*`. */
  app: string;
  /** Environment (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_METRIC_EXPORT_INTERVAL`, OTLP TLS files). */
  env: EnvGetter;
  /** OTLP/gRPC collector; absent = Prometheus only. */
  otlp?: OtlpEndpoint;
  /** The engine and replica count for the observable container gauges; absent = no gauges. */
  containers?: ContainerSource;
  /** Public proxy ports whose counters exist from start-up (see {@link Telemetry.registerProxyPort}). */
  proxyPorts?: readonly number[];
  /** Logger for export and collection problems. */
  logger?: Logger;
  /** The `command` attribute of the deployment series (default `container`). */
  command?: "container" | "service";
  /** Service mode: the replicas the service wants, as `dewy.container.desired_replicas`. */
  desiredReplicas?: () => number | undefined;
}

/**
 * The live telemetry pipeline. Implements {@link ProxyObserver} and {@link DeployObserver}, so
 * it is handed to every `TcpProxy` and to the deploy manager as it is.
 *
 * @example
 * ```ts
 * const telemetry = await createTelemetry(config, { version, env: runtime.env, engine, logger });
 * const proxy = new TcpProxy(runtime, { port: 8080, observer: telemetry });
 * const manager = new DeployManager({ ...options, observer: telemetry });
 * const admin = createAdminApp(manager, { telemetry, logger });
 * telemetry?.deploymentSucceeded(12.5);
 * await telemetry?.shutdown();
 * ```
 */
export class Telemetry implements ProxyObserver, DeployObserver, PauseObserver {
  /** The OTLP endpoint pushed to (`host:port`), or `""`. */
  readonly otlpEndpoint: string;
  #provider: MeterProvider;
  #prometheus: PrometheusReader;
  #otlpStats: ExportStats | undefined;
  #ready: Promise<void> = Promise.resolve();
  #otlpIntervalMs = 0;
  #metrics: Instruments;
  #tallies = new Map<number, ProxyTally>();
  #replicaAttrs: Attributes;
  #paused = 0;
  #command: Attributes;
  #log: Logger;
  #shutdown: Promise<void> | undefined;

  /** @param options version, app, environment, OTLP endpoint, container source, logger */
  constructor(options: TelemetryOptions) {
    this.#log = options.logger ?? silentLogger;
    const resource = buildResource(options.version, options.env);
    this.otlpEndpoint = options.otlp?.address ?? "";
    // The container gauges are registered after the readers exist; they supply the filter.
    let dropGone: StaleSeriesFilter = (metrics) => metrics;
    const filter: StaleSeriesFilter = (metrics) => dropGone(metrics);
    const histograms = proxyHistogramProducer(this.#tallies, resource);
    this.#prometheus = new PrometheusReader(this.#log, filter, [histograms]);
    const readers: MetricReader[] = [this.#prometheus.reader];
    if (options.otlp) {
      const otlp = createOtlpReader({
        metricProducers: [histograms],
        endpoint: options.otlp,
        version: options.version,
        env: options.env,
        logger: this.#log,
        filter,
      });
      readers.push(otlp.reader);
      this.#otlpStats = otlp.exporter.stats;
      this.#ready = otlp.ready;
      this.#otlpIntervalMs = otlp.intervalMs;
    }
    this.#provider = new MeterProvider({ resource, readers });
    const meter = this.#provider.getMeter(METER_NAME);
    this.#metrics = createInstruments(meter);
    registerProxyCounters(meter, this.#tallies);
    this.#replicaAttrs = { app: options.app };
    registerPausedGauge(meter, () => this.#paused, this.#replicaAttrs);
    this.#command = { command: options.command ?? "container" };
    if (options.containers) {
      dropGone = registerContainerGauges(meter, options.containers, { logger: this.#log });
    }
    if (options.desiredReplicas) {
      registerDesiredReplicasGauge(meter, options.app, options.desiredReplicas);
    }
    // Counters exist from start-up with 0, so rate()/increase() answer 0 instead of nothing.
    this.#metrics.deployments.add(0, this.#command);
    this.#metrics.deploymentErrors.add(0, this.#command);
    this.#metrics.healthChecks.add(0);
    this.#metrics.healthCheckFailures.add(0);
    this.#metrics.replicas.add(0, this.#replicaAttrs);
    for (const port of options.proxyPorts ?? []) this.registerProxyPort(port);
    this.#log.info("Telemetry enabled", {
      prometheus: true,
      otlp_endpoint: this.otlpEndpoint,
      ...(this.#otlpIntervalMs && { otlp_interval: `${this.#otlpIntervalMs / 1000}s` }),
    });
  }

  /**
   * Resolves once every exporter is set up (the OTLP one loads in the background); rejects with
   * `ConfigError` when grpc-js refused an OTLP setting. Exports wait for it by themselves.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** OTLP export outcomes so far (`undefined` without an endpoint). */
  get otlpStats(): Readonly<ExportStats> | undefined {
    return this.#otlpStats;
  }

  /**
   * Make the counters and gauges of a proxy port exist with value 0, so
   * `rate(dewy_proxy_errors_total[5m])` returns 0 rather than nothing. The ports of
   * {@link TelemetryOptions.proxyPorts} are registered at construction; call this for a port
   * known only later (a proxy started on port 0).
   */
  registerProxyPort(proxyPort: number): void {
    this.#tally(proxyPort);
  }

  /** {@inheritDoc ProxyObserver.connectionOpened} */
  connectionOpened(proxyPort: number): void {
    const tally = this.#tally(proxyPort);
    tally.connections++;
    tally.active++;
  }

  /** {@inheritDoc ProxyObserver.connectionClosed} */
  connectionClosed(proxyPort: number, seconds: number, bytesIn: number, bytesOut: number): void {
    const tally = this.#tally(proxyPort);
    tally.active--;
    tally.bytes += bytesIn + bytesOut;
    tally.duration.record(seconds);
  }

  /** {@inheritDoc ProxyObserver.backendConnected} */
  backendConnected(proxyPort: number, seconds: number): void {
    this.#tally(proxyPort).latency.record(seconds);
  }

  /** {@inheritDoc ProxyObserver.error} (counted in `dewy.proxy.errors.total` by `error.type`). */
  error(proxyPort: number, kind: ProxyErrorKind): void {
    this.#tally(proxyPort).errors[kind]++;
  }

  /** {@inheritDoc ProxyObserver.backendsChanged} */
  backendsChanged(proxyPort: number, delta: number): void {
    this.#tally(proxyPort).backends += delta;
  }

  /** {@inheritDoc DeployObserver.deploymentSucceeded} (counts and times it). */
  deploymentSucceeded(seconds: number): void {
    this.#metrics.deployments.add(1, this.#command);
    this.#metrics.deploymentDuration.record(seconds, this.#command);
  }

  /** {@inheritDoc DeployObserver.deploymentFailed} */
  deploymentFailed(): void {
    this.#metrics.deploymentErrors.add(1, this.#command);
  }

  /** {@inheritDoc DeployObserver.healthCheck} (a failed probe counts in both counters). */
  healthCheck(ok: boolean): void {
    this.#metrics.healthChecks.add(1);
    if (!ok) this.#metrics.healthCheckFailures.add(1);
  }

  /** {@inheritDoc DeployObserver.replicasChanged} */
  replicasChanged(delta: number): void {
    this.#metrics.replicas.add(delta, this.#replicaAttrs);
  }

  /** {@inheritDoc PauseObserver.pausedChanged} (the `dewy.deploy.paused` gauge) */
  pausedChanged(paused: boolean): void {
    this.#paused = paused ? 1 : 0;
  }

  /** The Prometheus text exposition of every metric now (for `GET /metrics`). */
  metricsText(): Promise<string> {
    return this.#prometheus.render();
  }

  /** Push to the OTLP collector now (no-op without an endpoint). Never rejects on export failure. */
  async flush(): Promise<void> {
    await this.#provider.forceFlush();
  }

  /**
   * Final OTLP flush and shutdown, bounded by `timeoutMs` (default
   * {@link TELEMETRY_SHUTDOWN_TIMEOUT_MS}). Never rejects; safe to call twice.
   */
  shutdown(timeoutMs: number = TELEMETRY_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    this.#shutdown ??= this.#shutdownWithin(timeoutMs);
    return this.#shutdown;
  }

  async #shutdownWithin(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const done = await Promise.race([
        this.#provider.shutdown({ timeoutMillis: timeoutMs }),
        expired,
      ]);
      if (done === "timeout") {
        this.#log.warn(
          "Telemetry shutdown timed out; the last metrics may not have reached the collector",
          {
            timeout_ms: timeoutMs,
            otlp_endpoint: this.otlpEndpoint,
          },
        );
      }
    } catch (error) {
      this.#log.warn("Telemetry shutdown failed", { error: errorMessage(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  #tally(proxyPort: number): ProxyTally {
    let tally = this.#tallies.get(proxyPort);
    if (!tally) {
      tally = new ProxyTally(proxyPort);
      this.#tallies.set(proxyPort, tally);
    }
    return tally;
  }
}
