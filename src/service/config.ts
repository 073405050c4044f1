/**
 * The configuration of `dewy service`, validated and defaulted by `src/cli/service-config.ts`,
 * one section per consumer, each value parsed by the module that owns it; durations are
 * milliseconds.
 *
 * @module
 */
import type { EngineSettings, HookCommands } from "../config.ts";
import type { StateDir } from "../control/state-store.ts";
import type { LogFormat, LogLevel } from "../log.ts";
import type { NotifierSpec } from "../notify/url.ts";
import type { ImageRef } from "../registry/url.ts";
import type { TelemetrySettings } from "../telemetry/create.ts";
import type { VerifyKey } from "../verify/keys.ts";

/** How dewy drives one Swarm update. */
export interface ServiceUpdateSettings {
  /** How long one update may take before dewy rolls it back (`--update-timeout`). */
  timeoutMs: number;
  /** Least `UpdateConfig.Monitor` set on each update (`--health-timeout`): the health window. */
  monitorMs: number;
}

/** Configuration of `dewy service`: which Swarm service follows which registry, and how. */
export interface ServiceConfig {
  /** The image whose versions the service follows (`--registry`, `--calver` merged in). */
  image: ImageRef;
  /** The Swarm service to keep updated (`--service`), by name or id. */
  service: string;
  /** Registry polling. */
  poll: { intervalMs: number };
  /** Update timeout and monitor window. */
  update: ServiceUpdateSettings;
  /** Shell commands run before an update (a failure skips it) and after a completed one. */
  hooks: HookCommands;
  /** The notifier, resolved; null = none. */
  notifier: NotifierSpec | null;
  /** Telemetry (`--telemetry` or an OTLP endpoint); null = off. */
  telemetry: TelemetrySettings;
  /** The admin API: its first port. */
  admin: { port: number };
  /** The container engine and its socket (Podman has no Swarm API). */
  engine: EngineSettings;
  /** Logging. */
  log: { level: LogLevel; format: LogFormat };
  /** Where pause, pin and history are kept (`--state-dir`, resolved). */
  state: StateDir;
  /** `--verify-key`: only digests one of these keys signed are deployed; null = no check. */
  signatures: { keys: VerifyKey[] } | null;
}

/** What the service manager and its rollout use: the service, its image, polling, updates, hooks. */
export type ServiceSettings = Pick<
  ServiceConfig,
  "service" | "image" | "poll" | "update" | "hooks"
>;
