/**
 * The entry to telemetry: {@link createTelemetry} builds the pipeline when `--telemetry` or
 * `--otlp-endpoint` turned it on and returns `undefined` otherwise. The pipeline's module (and
 * with it the OpenTelemetry SDK and the Prometheus exporter, about 13 MiB resident) is imported
 * only in the first case, so telemetry off costs neither calls nor memory.
 *
 * @module
 */
import type { ContainerConfig } from "../config.ts";
import type { Engine } from "../engine/types.ts";
import type { Logger } from "../log.ts";
import type { EnvGetter } from "./resource.ts";
import type { Telemetry } from "./telemetry.ts";

/** What {@link createTelemetry} needs besides the configuration. */
export interface TelemetryDeps {
  /** dewy's version. */
  version: string;
  /** Environment getter (the runtime's `env`). */
  env: EnvGetter;
  /** The engine, for the container gauges. */
  engine?: Engine;
  /** Logger. */
  logger?: Logger;
}

/**
 * The telemetry pipeline when `--telemetry` or `--otlp-endpoint` turned it on, else `undefined`
 * (nothing is loaded or created). Rejects with `ConfigError` for bad OTLP settings, including
 * those only grpc-js can check (so they stop dewy at start-up, not at the first export).
 *
 * @example
 * ```ts
 * const telemetry = await createTelemetry(config, { version, env: runtime.env, engine, logger });
 * const proxy = new TcpProxy(runtime, { port: 8080, observer: telemetry });
 * ```
 */
export async function createTelemetry(
  config: Pick<
    ContainerConfig,
    "telemetry" | "otlpEndpoint" | "otlpInsecure" | "app" | "replicas" | "ports"
  >,
  deps: TelemetryDeps,
): Promise<Telemetry | undefined> {
  if (!config.telemetry && !config.otlpEndpoint) return undefined;
  const { Telemetry } = await import("./telemetry.ts");
  const telemetry = new Telemetry({
    version: deps.version,
    app: config.app,
    env: deps.env,
    otlpEndpoint: config.otlpEndpoint,
    otlpInsecure: config.otlpInsecure,
    containers: deps.engine
      ? { engine: deps.engine, app: config.app, desiredReplicas: config.replicas }
      : undefined,
    proxyPorts: config.ports.map((p) => p.proxyPort),
    logger: deps.logger,
  });
  try {
    await telemetry.ready();
  } catch (error) {
    await telemetry.shutdown();
    throw error;
  }
  return telemetry;
}
