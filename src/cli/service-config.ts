/**
 * Turns the flags of `dewy service` (already read) into a fully defaulted, validated
 * {@link ServiceConfig}. Flags whose job the service spec does (ports, replicas, the container
 * command and options) are refused, naming the docker command that does it.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { parseImageUrl } from "../registry/url.ts";
import type { ServiceConfig } from "../service/config.ts";
import { readVerifyKeys } from "../verify/keys.ts";
import { HEALTH_TIMEOUT_S, POLL_INTERVAL_S, UPDATE_TIMEOUT_S } from "./flags.ts";
import { parseAdminPort } from "./container-config.ts";
import type { FlagValues } from "./read-flags.ts";
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

/** Flags of `dewy container` that the service spec owns, with the docker command that sets it. */
const SPEC_OWNED: Readonly<Record<string, string>> = {
  port: "docker service update --publish-add PUBLISHED:TARGET NAME",
  replicas: "docker service scale NAME=N",
  cmd: "docker service update --args ... NAME",
  name: "--service NAME names the service",
  "health-path": "a HEALTHCHECK in the image or docker service update --health-cmd ... NAME",
  "drain-time": "docker service update --stop-grace-period ... NAME",
  "proxy-idle-timeout": "no proxy runs in service mode",
  "max-connections": "no proxy runs in service mode",
  "proxy-retry-window": "no proxy runs in service mode",
  "canary-soak": "docker service update --update-monitor ... NAME",
  "canary-max-failures": "docker service update --update-max-failure-ratio ... NAME",
  reason: "it belongs to dewy service pause or rollback",
};

/** Flags that only `dewy service` takes. */
export const SERVICE_ONLY_FLAGS: readonly string[] = ["service", "update-timeout"];

/** Where the service command reads what is not on the command line. */
export interface ServiceInputs {
  /** Environment lookup (notifier credentials, `$STATE_DIRECTORY`). */
  env: (name: string) => string | undefined;
  /** The user's home folder, for the default state directory. */
  homeDir: string;
  /** dewy's user id, for rootless podman's socket. */
  uid: number;
}

/** Refuse what the service spec owns: the flags of {@link SPEC_OWNED} and the `--` options. */
function refuseSpecOwned(flags: FlagValues, passthrough: string[] | undefined): void {
  const owned = flags.names().find((name) => Object.hasOwn(SPEC_OWNED, name));
  if (owned) {
    throw new ConfigError(
      `--${owned}`,
      `--${owned} does not apply to dewy service: the service spec owns it (${SPEC_OWNED[owned]})`,
    );
  }
  if (passthrough !== undefined) {
    throw new ConfigError(
      "--",
      "dewy service takes no docker run options after --: the service spec owns them " +
        "(docker service update ... NAME)",
    );
  }
}

/**
 * Build the configuration of `dewy service` from its flags; `passthrough` is what followed
 * `--` (refused). Throws a `ConfigError` naming the first bad, missing or misplaced flag.
 */
export function buildServiceConfig(
  flags: FlagValues,
  passthrough: string[] | undefined,
  inputs: ServiceInputs,
): ServiceConfig {
  refuseSpecOwned(flags, passthrough);
  const registry = required(
    flags,
    "registry",
    "give the image the service runs, e.g. --registry img://ghcr.io/OWNER/APP",
  );
  const service = required(
    flags,
    "service",
    "name the Swarm service to update, e.g. --service web",
  );
  const image = parseImageUrl(registry, { calver: flags.one("calver")?.trim() });
  const telemetry = telemetrySettings(flags);
  const verifyKeys = readVerifyKeys(flags.all("verify-key"));
  return {
    image,
    service,
    poll: { intervalMs: durationMs(flags, "interval", POLL_INTERVAL_S, 1) },
    update: {
      timeoutMs: durationMs(flags, "update-timeout", UPDATE_TIMEOUT_S, 1),
      monitorMs: durationMs(flags, "health-timeout", HEALTH_TIMEOUT_S, 1),
    },
    hooks: hookCommands(flags),
    notifier: notifierSpec(flags, inputs.env),
    telemetry,
    admin: { port: parseAdminPort(flags) },
    engine: engineSettings(flags, inputs.env, inputs.uid),
    log: logSettings(flags),
    state: stateDir(flags, inputs.env, inputs.homeDir),
    signatures: verifyKeys.length > 0 ? { keys: verifyKeys } : null,
  };
}
