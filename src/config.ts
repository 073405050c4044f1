/**
 * The one typed configuration the CLI builds, once, for `dewy container`: one section per
 * consumer, every value parsed by the module that owns it, durations in milliseconds.
 *
 * @module
 */
import type { LogFormat, LogLevel } from "./log.ts";
import type { StateDir } from "./control/state-store.ts";
import type { NotifierSpec } from "./notify/url.ts";
import type { ImageRef } from "./registry/url.ts";
import type { RunOptions } from "./engine/types.ts";
import type { TelemetrySettings } from "./telemetry/create.ts";
import type { VerifyKey } from "./verify/keys.ts";

/** One `--port` mapping: public proxy port → container port (0 = from the image's EXPOSE). */
export interface PortMapping {
  /** Public port the proxy listens on. */
  proxyPort: number;
  /** Port inside the container; 0 means "the single EXPOSEd TCP port of the image". */
  containerPort: number;
}

/** The canary soak (`--canary-soak`, `--canary-max-failures`). */
export interface CanarySettings {
  /** How long the first new replica serves before the rollout goes on; 0 = no soak. */
  soakMs: number;
  /** Largest share of the canary's connections that may fail, percent. */
  maxFailuresPercent: number;
}

/** How new replicas are started and old ones retired. */
export interface RolloutSettings {
  /** Replicas to run (≥ 1). */
  replicas: number;
  /** HTTP health path, e.g. `/health`; empty = wait for a TCP accept instead. */
  healthPath: string;
  /** Time a new replica gets to become healthy. */
  healthTimeoutMs: number;
  /** Time an old replica's connections get to finish before it is stopped. */
  drainMs: number;
  /** The canary soak of the first new replica (`--canary-soak`, `--canary-max-failures`). */
  canary: CanarySettings;
}

/** Shell commands run around a deploy; empty = none. */
export interface HookCommands {
  /** Run before a deploy; a failure aborts the deploy. */
  beforeDeploy: string;
  /** Run after a successful deploy. */
  afterDeploy: string;
}

/** Container engine flavour (selects the default socket path and the hints' command). */
export type EngineKind = "docker" | "podman";

/** The container engine: its flavour and its API socket, resolved once by the CLI. */
export interface EngineSettings {
  /** `--runtime`: the default socket path and the command of the hints. */
  kind: EngineKind;
  /** The engine's unix socket (`DOCKER_HOST=unix://…`, else the flavour's default). */
  socketPath: string;
}

/** What the deploy manager needs: the app, its containers, rollout, polling and hooks. */
export interface DeploySettings {
  /** App name (`--name`, default: last path segment of the repository). */
  app: string;
  /** Port mappings, at least one, proxy ports unique. */
  ports: PortMapping[];
  /** `--cmd` values replacing the image's CMD (empty = keep the image's). */
  cmd: string[];
  /** Parsed `docker run` options from after `--`. */
  run: RunOptions;
  /** Replicas, health checks, drain. */
  rollout: RolloutSettings;
  /** Registry poll interval (> 0). */
  poll: { intervalMs: number };
  /** Deploy hooks. */
  hooks: HookCommands;
  /** The engine; its flavour names the command in the hints of what to run by hand. */
  engine: EngineSettings;
}

/** Configuration of `dewy container`. */
export interface ContainerConfig extends DeploySettings {
  /** The image to deploy (`--registry`, `--calver` merged in). */
  image: ImageRef;
  /** The TCP proxy: idle timeout (0 = off), retry window (0 = a client is closed at once). */
  proxy: {
    idleTimeoutMs: number;
    /** How long a client is held and retried while no backend accepts. */
    retryWindowMs: number;
    /** `--max-connections`; absent: from the descriptor limit (`defaultMaxConnections`). */
    maxConnections?: number;
  };
  /** The admin API: its first port. */
  admin: { port: number };
  /** The notifier, resolved; null = none. */
  notifier: NotifierSpec | null;
  /** Telemetry (`--telemetry` or an OTLP endpoint); null = off. */
  telemetry: TelemetrySettings;
  /** Logging. */
  log: { level: LogLevel; format: LogFormat };
  /** Where pause, pin and history are kept (`--state-dir`, resolved). */
  state: StateDir;
  /** `--verify-key`: only digests one of these keys signed are deployed; null = no check. */
  signatures: { keys: readonly VerifyKey[] } | null;
}
