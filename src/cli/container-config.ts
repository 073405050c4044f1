/**
 * Turns the flags of `dewy container` (already read) and the words after `--` into a fully
 * defaulted, validated {@link ContainerConfig}.
 *
 * @module
 */
import type { ContainerConfig, PortMapping } from "../config.ts";
import { ADMIN_PORT_ATTEMPTS } from "../admin/server.ts";
import {
  ADMIN_PORT,
  CANARY_MAX_FAILURES_PERCENT,
  CANARY_SOAK_S,
  DRAIN_TIME_S,
  HEALTH_TIMEOUT_S,
  POLL_INTERVAL_S,
  PROXY_IDLE_TIMEOUT_S,
  PROXY_RETRY_WINDOW_MS,
} from "./flags.ts";
import { ConfigError } from "../errors.ts";
import { hostEngineSockets } from "../engine/socket.ts";
import { parseImageUrl } from "../registry/url.ts";
import { readVerifyKeys } from "../verify/keys.ts";
import { parseDurationMs, parseWholeNumber } from "./numbers.ts";
import { parsePassthrough } from "./passthrough.ts";
import { parsePortMappings } from "./ports.ts";
import type { FlagValues } from "./read-flags.ts";
import { CONTAINER_NAME, type RunOptionContext } from "./run-option-values.ts";
import {
  durationMs,
  engineSettings,
  hookCommands,
  logSettings,
  notifierSpec,
  required,
  stateDir,
  telemetrySettings,
} from "./shared-flags.ts";

/** Largest replica count accepted by `--replicas`. */
export const MAX_REPLICAS = 1000;

/** Where the container command reads what is not on the command line. */
export interface ContainerInputs {
  /** Environment lookup (notifier credentials, `-e NAME`). */
  env: RunOptionContext["env"];
  /** `--env-file` reader (default: `node:fs`). */
  readFile?: RunOptionContext["readFile"];
  /** The user's home folder, for the default state directory (the runtime's `homeDir()`). */
  homeDir: string;
  /** dewy's user id (the runtime's `uid()`), for rootless podman's socket. */
  uid: number;
}

/** `--admin-port N`, leaving room for the ports dewy tries after it. */
export function parseAdminPort(flags: FlagValues): number {
  const raw = flags.one("admin-port");
  return raw === undefined ? ADMIN_PORT : parseWholeNumber("--admin-port", raw, {
    min: 1,
    max: 65536 - ADMIN_PORT_ATTEMPTS,
  });
}

/**
 * A proxy port inside the admin API's range would take the admin port (the proxy binds first)
 * and `dewy container list`, which scans the range, would talk to the app instead.
 */
function checkPortsOutsideAdminRange(ports: readonly PortMapping[], adminPort: number): void {
  const last = adminPort + ADMIN_PORT_ATTEMPTS - 1;
  const clash = ports.find((p) => p.proxyPort >= adminPort && p.proxyPort <= last);
  if (clash) {
    throw new ConfigError(
      "--port",
      `--port ${clash.proxyPort} is in the admin API's port range ${adminPort}-${last}; ` +
        "choose another proxy port or move the range with --admin-port",
    );
  }
}

/** Longest `--proxy-retry-window`: a client held longer would rather see an error. */
const MAX_RETRY_WINDOW_S = 60;

/** `--proxy-retry-window`: whole seconds (`2`, `2s`) or milliseconds (`500ms`), at most 60 s. */
function retryWindowMs(flags: FlagValues): number {
  const raw = flags.one("proxy-retry-window");
  if (raw === undefined) return PROXY_RETRY_WINDOW_MS;
  return parseDurationMs("--proxy-retry-window", raw, { min: 0, max: MAX_RETRY_WINDOW_S }, {
    millis: true,
  });
}

function appName(flags: FlagValues, derived: string): string {
  const name = flags.one("name") ?? derived;
  if (!CONTAINER_NAME.test(name)) {
    throw new ConfigError(
      "--name",
      `--name "${name}" must start with a letter or digit and use only a-z A-Z 0-9 _ . -`,
    );
  }
  return name;
}

function healthPath(flags: FlagValues): string {
  const path = flags.one("health-path") ?? "";
  if (path !== "" && !/^\/[^\s]*$/.test(path)) {
    throw new ConfigError(
      "--health-path",
      `--health-path "${path}" must start with / and contain no spaces, e.g. /health`,
    );
  }
  return path;
}

/** `--canary-max-failures PERCENT`: a number from 0 to 100 (decimals allowed). */
function percent(flags: FlagValues, name: string, fallback: number): number {
  const raw = flags.one(name)?.trim();
  if (raw === undefined) return fallback;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 100)) {
    throw new ConfigError(
      `--${name}`,
      `--${name} must be a percentage from 0 to 100, e.g. 1 or 0.5; got "${raw}"`,
    );
  }
  return value;
}

/**
 * Build the configuration of `dewy container` from its flags and the words after `--`.
 * Throws a `ConfigError` naming the first bad or missing flag.
 */
export function buildContainerConfig(
  flags: FlagValues,
  passthrough: string[],
  inputs: ContainerInputs,
): ContainerConfig {
  const registry = required(
    flags,
    "registry",
    "give the image to deploy, e.g. --registry img://ghcr.io/OWNER/APP",
  );
  const ports = parsePortMappings(flags.all("port"));
  const image = parseImageUrl(registry, { calver: flags.one("calver")?.trim() });
  const replicas = flags.one("replicas");
  const telemetry = telemetrySettings(flags);
  const adminPort = parseAdminPort(flags);
  checkPortsOutsideAdminRange(ports, adminPort);
  // Parsed in this order so that the first bad flag reported stays the same.
  const app = appName(flags, image.app);
  const rollout = {
    replicas: replicas === undefined
      ? 1
      : parseWholeNumber("--replicas", replicas, { min: 1, max: MAX_REPLICAS }),
    healthPath: healthPath(flags),
    healthTimeoutMs: durationMs(flags, "health-timeout", HEALTH_TIMEOUT_S, 1),
    drainMs: durationMs(flags, "drain-time", DRAIN_TIME_S, 0),
    canary: {
      soakMs: durationMs(flags, "canary-soak", CANARY_SOAK_S, 0),
      maxFailuresPercent: percent(flags, "canary-max-failures", CANARY_MAX_FAILURES_PERCENT),
    },
  };
  const engine = engineSettings(flags, inputs.env, inputs.uid);
  const maxConnections = flags.one("max-connections");
  const proxy: ContainerConfig["proxy"] = {
    idleTimeoutMs: durationMs(flags, "proxy-idle-timeout", PROXY_IDLE_TIMEOUT_S, 0),
    retryWindowMs: retryWindowMs(flags),
  };
  if (maxConnections !== undefined) {
    proxy.maxConnections = parseWholeNumber("--max-connections", maxConnections, {
      min: 1,
      max: 10_000_000,
    });
  }
  const poll = { intervalMs: durationMs(flags, "interval", POLL_INTERVAL_S, 1) };
  const notifier = notifierSpec(flags, inputs.env);
  const run = parsePassthrough(passthrough, {
    ...inputs,
    engineSockets: hostEngineSockets(engine.socketPath, inputs.env, inputs.uid),
  });
  if (flags.has("reason")) {
    throw new ConfigError(
      "--reason",
      "--reason belongs to dewy container pause or rollback, e.g. dewy container pause --reason TEXT",
    );
  }
  const verifyKeys = readVerifyKeys(flags.all("verify-key"));
  return {
    app,
    image,
    engine,
    ports,
    cmd: flags.all("cmd"),
    run,
    rollout,
    poll,
    hooks: hookCommands(flags),
    proxy,
    admin: { port: adminPort },
    notifier,
    telemetry,
    log: logSettings(flags),
    state: stateDir(flags, inputs.env, inputs.homeDir),
    signatures: verifyKeys.length > 0 ? { keys: verifyKeys } : null,
  };
}
