/**
 * The flags `dewy container` and `dewy service` share, read the same way for both: required
 * values, one-of choices, durations, the notifier, telemetry, logging, the engine and the
 * state directory.
 *
 * @module
 */
import type { EngineKind, EngineSettings, HookCommands } from "../config.ts";
import { resolveStateDir, type StateDir } from "../control/state-store.ts";
import { resolveEngineSocket } from "../engine/socket.ts";
import { ConfigError } from "../errors.ts";
import { LOG_LEVELS, type LogFormat, type LogLevel } from "../log.ts";
import { type NotifierSpec, resolveNotifier } from "../notify/url.ts";
import type { TelemetrySettings } from "../telemetry/create.ts";
import { parseOtlpEndpoint } from "../telemetry/otlp-endpoint.ts";
import { MAX_SECONDS, parseDurationMs } from "./numbers.ts";
import type { FlagValues } from "./read-flags.ts";

const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];
const ENGINES: readonly EngineKind[] = ["docker", "podman"];

/** `raw` as one of `allowed` (any case), `fallback` when absent. */
export function oneOf<T extends string>(
  flag: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!allowed.includes(value)) {
    throw new ConfigError(flag, `${flag} must be one of ${allowed.join(", ")}; got "${raw}"`);
  }
  return value;
}

/** A duration flag given in seconds, as milliseconds. */
export function durationMs(flags: FlagValues, name: string, fallbackS: number, min: 0 | 1): number {
  const raw = flags.one(name);
  if (raw === undefined) return fallbackS * 1000;
  return parseDurationMs(`--${name}`, raw, { min, max: MAX_SECONDS });
}

/** The value of a flag that must be given; `example` says what to give. */
export function required(flags: FlagValues, name: string, example: string): string {
  const value = flags.one(name)?.trim();
  if (!value) throw new ConfigError(`--${name}`, `missing --${name}: ${example}`);
  return value;
}

/** `--telemetry`, `--otlp-endpoint`, `--otlp-insecure` as the telemetry section (null = off). */
export function telemetrySettings(flags: FlagValues): TelemetrySettings {
  const endpoint = flags.one("otlp-endpoint")?.trim() ?? "";
  const insecure = flags.has("otlp-insecure");
  if (endpoint === "") {
    if (insecure) {
      throw new ConfigError(
        "--otlp-insecure",
        "--otlp-insecure needs --otlp-endpoint HOST:PORT to apply to",
      );
    }
    return flags.has("telemetry") ? {} : null;
  }
  return { otlp: parseOtlpEndpoint(endpoint, { insecure }) };
}

/** `--notifier URL`, resolved with its credentials from `env`; null = none. */
export function notifierSpec(
  flags: FlagValues,
  env: (name: string) => string | undefined,
): NotifierSpec | null {
  const url = flags.one("notifier")?.trim() ?? "";
  return url === "" ? null : resolveNotifier(url, env);
}

/** `--before-deploy-hook` and `--after-deploy-hook`. */
export function hookCommands(flags: FlagValues): HookCommands {
  return {
    beforeDeploy: flags.one("before-deploy-hook") ?? "",
    afterDeploy: flags.one("after-deploy-hook") ?? "",
  };
}

/** `--runtime docker|podman`. */
function engineKind(flags: FlagValues): EngineKind {
  return oneOf("--runtime", flags.one("runtime"), ENGINES, "docker");
}

/**
 * `--runtime` and its socket, resolved once: a DOCKER_HOST that is not `unix://` is a
 * `ConfigError` here, before anything starts.
 */
export function engineSettings(
  flags: FlagValues,
  env: (name: string) => string | undefined,
  uid: number,
): EngineSettings {
  const kind = engineKind(flags);
  return { kind, socketPath: resolveEngineSocket(kind, env, uid) };
}

/** `--log-level` and `--log-format`. */
export function logSettings(flags: FlagValues): { level: LogLevel; format: LogFormat } {
  return {
    level: oneOf<LogLevel>("--log-level", flags.one("log-level"), LOG_LEVELS, "info"),
    format: oneOf("--log-format", flags.one("log-format"), LOG_FORMATS, "text"),
  };
}

/** `--state-dir DIR` resolved (default from `$STATE_DIRECTORY`, else under `homeDir`). */
export function stateDir(
  flags: FlagValues,
  env: (name: string) => string | undefined,
  homeDir: string,
): StateDir {
  const dir = flags.one("state-dir")?.trim();
  if (dir === "") {
    throw new ConfigError("--state-dir", "--state-dir needs a directory, e.g. /var/lib/dewy");
  }
  return resolveStateDir(dir, env, homeDir);
}
