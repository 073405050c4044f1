/**
 * The entry to telemetry: {@link createTelemetry} builds the pipeline when `--telemetry` or
 * `--otlp-endpoint` turned it on and returns `undefined` otherwise. The pipeline's module (and
 * with it the OpenTelemetry SDK and the Prometheus exporter, about 13 MiB resident) is imported
 * only in the first case, so telemetry off costs neither calls nor memory.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { ContainerSource } from "./containers.ts";
import type { OtlpEndpoint } from "./otlp-endpoint.ts";
import type { EnvGetter } from "./resource.ts";
import type { Telemetry } from "./telemetry.ts";

/** The telemetry section of the configuration: null = off. */
export type TelemetrySettings = { otlp?: OtlpEndpoint } | null;

/** What {@link createTelemetry} needs besides its settings. */
export interface TelemetryDeps {
  /** dewy's version. */
  version: string;
  /** Environment getter (the runtime's `env`). */
  env: EnvGetter;
  /** App name (the `app` attribute). */
  app: string;
  /** The engine and replica count for the container gauges; absent = no gauges. */
  containers?: Omit<ContainerSource, "app">;
  /** Public proxy ports whose counters exist from start-up. */
  proxyPorts?: readonly number[];
  /** Logger. */
  logger?: Logger;
  /** The `command` attribute of the deployment series (default `container`). */
  command?: "container" | "service";
  /** Service mode: the replicas the service wants (instead of the per-container gauges). */
  desiredReplicas?: () => number | undefined;
}

/**
 * The telemetry pipeline when `settings` is not null (`--telemetry` or `--otlp-endpoint`), else
 * `undefined` (nothing is loaded or created). Rejects with `ConfigError` for bad OTLP
 * environment settings, including those only grpc-js can check (so they stop dewy at start-up, not at the first export).
 *
 * @example
 * ```ts
 * const telemetry = await createTelemetry(config.telemetry, { version, env: runtime.env, app });
 * const proxy = new TcpProxy(runtime, { port: 8080, observer: telemetry });
 * ```
 */
export async function createTelemetry(
  settings: TelemetrySettings,
  deps: TelemetryDeps,
): Promise<Telemetry | undefined> {
  if (!settings) return undefined;
  const { Telemetry } = await import("./telemetry.ts");
  const telemetry = new Telemetry({
    version: deps.version,
    app: deps.app,
    env: deps.env,
    otlp: settings.otlp,
    containers: deps.containers && { ...deps.containers, app: deps.app },
    proxyPorts: deps.proxyPorts,
    logger: deps.logger,
    command: deps.command,
    desiredReplicas: deps.desiredReplicas,
  });
  try {
    await telemetry.ready();
  } catch (error) {
    await telemetry.shutdown();
    throw error;
  }
  return telemetry;
}
