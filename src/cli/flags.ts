/**
 * The table of every flag dewy accepts before `--`. The parser, the unknown-flag
 * suggestions and the help text are all generated from it, so they cannot disagree.
 *
 * @module
 */
import { IDLE_TIMEOUT_MS, RETRY_WINDOW_MS } from "../proxy/proxy.ts";

/** Registry poll interval (`--interval`, seconds): first check at start-up, then every 10 s. */
export const POLL_INTERVAL_S = 10;
/** Total time a new replica gets to become healthy (`--health-timeout`, seconds). */
export const HEALTH_TIMEOUT_S = 30;
/** Time open connections of a retired backend get to finish (`--drain-time`, seconds). */
export const DRAIN_TIME_S = 30;
/** Proxy idle timeout (`--proxy-idle-timeout`, seconds): the proxy's own default, 5 min. */
export const PROXY_IDLE_TIMEOUT_S = IDLE_TIMEOUT_MS / 1000;
/** How long a client waits while every backend refuses (`--proxy-retry-window`, ms): 2 s. */
export const PROXY_RETRY_WINDOW_MS = RETRY_WINDOW_MS;
/** First admin API port; the next nine are tried when it is taken. */
export const ADMIN_PORT = 17_539;
/**
 * How long one service update may take (`dewy service --update-timeout`, seconds) before dewy
 * rolls it back: 10 min covers a pull on every node and a few monitored batches.
 */
export const UPDATE_TIMEOUT_S = 600;
/** Canary soak (`--canary-soak`, seconds): 0 = off, the rollout goes on at once. */
export const CANARY_SOAK_S = 0;
/** Share of the canary's connections that may fail (`--canary-max-failures`, percent). */
export const CANARY_MAX_FAILURES_PERCENT = 1;

/** One command-line flag. */
export interface FlagSpec {
  /** Long name without the dashes (`registry`). */
  readonly name: string;
  /** One-letter short form without the dash (`r`), if any. */
  readonly short?: string;
  /** `string` flags take a value, `boolean` flags take none. */
  readonly type: "string" | "boolean";
  /** Placeholder of the value in the help text (`URL`). */
  readonly arg?: string;
  /** One-line description for the help text, default included. */
  readonly help: string;
}

/** Every flag of `dewy`, in help-text order. */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: "registry",
    short: "r",
    type: "string",
    arg: "URL",
    help: "image to deploy: img://HOST[:PORT]/REPO[?pre-release=true&calver=FORMAT] (required); " +
      "?constraint=RANGE keeps to an npm semver range, e.g. ^1.4",
  },
  {
    name: "service",
    type: "string",
    arg: "NAME",
    help: "dewy service: the Swarm service to keep on the newest version (required there; " +
      "it must exist, dewy never creates it)",
  },
  {
    name: "port",
    short: "p",
    type: "string",
    arg: "PROXY[:CONTAINER]",
    help: "public port of the proxy and the container port behind it; repeatable (required; " +
      "without :CONTAINER the image's single EXPOSEd TCP port is used)",
  },
  {
    name: "name",
    short: "n",
    type: "string",
    arg: "APP",
    help: "app name for labels and container names (default: last segment of the repository)",
  },
  { name: "replicas", type: "string", arg: "N", help: "replicas to run, at least 1 (default: 1)" },
  {
    name: "cmd",
    type: "string",
    arg: "ARG",
    help: "replaces the image's CMD, one argument per --cmd; repeatable (default: the image's CMD)",
  },
  {
    name: "health-path",
    type: "string",
    arg: "PATH",
    help: "HTTP path probed on each new replica, 2xx/3xx is healthy, e.g. /health " +
      "(default: none, the replica must accept a TCP connection)",
  },
  {
    name: "health-timeout",
    type: "string",
    arg: "SECONDS",
    help: `time a new replica gets to become healthy, > 0; dewy service: the least Swarm ` +
      `update monitor window (default: ${HEALTH_TIMEOUT_S})`,
  },
  {
    name: "update-timeout",
    type: "string",
    arg: "SECONDS",
    help: "dewy service: time one Swarm update may take before dewy rolls it back " +
      `(default: ${UPDATE_TIMEOUT_S})`,
  },
  {
    name: "drain-time",
    type: "string",
    arg: "SECONDS",
    help:
      `time an old replica's open connections get to finish before it is stopped (default: ${DRAIN_TIME_S})`,
  },
  {
    name: "runtime",
    type: "string",
    arg: "docker|podman",
    help:
      "container engine; its socket is taken from DOCKER_HOST or its default path (default: docker)",
  },
  {
    name: "proxy-idle-timeout",
    type: "string",
    arg: "SECONDS",
    help: `close proxied connections idle this long, 0 = never (default: ${PROXY_IDLE_TIMEOUT_S})`,
  },
  {
    name: "proxy-retry-window",
    type: "string",
    arg: "DURATION",
    help: "when no backend accepts (an engine restart), hold a new client and retry this long " +
      `before closing it: seconds or e.g. 500ms, 0 = close at once (default: ${
        PROXY_RETRY_WINDOW_MS / 1000
      })`,
  },
  {
    name: "max-connections",
    type: "string",
    arg: "N",
    help: "client connections all proxy ports hold at once; more are closed at once and " +
      "counted (default: from ulimit -n, two descriptors each after a reserve for dewy)",
  },
  {
    name: "admin-port",
    type: "string",
    arg: "PORT",
    help: `admin API port on 127.0.0.1; the next 9 are tried when taken (default: ${ADMIN_PORT})`,
  },
  {
    name: "interval",
    short: "i",
    type: "string",
    arg: "SECONDS",
    help:
      `registry poll interval, > 0; the first check runs at start-up (default: ${POLL_INTERVAL_S})`,
  },
  {
    name: "calver",
    type: "string",
    arg: "FORMAT",
    help:
      "pick the newest tag by this calendar-version format, e.g. YYYY.0M.0D.MICRO (default: semver)",
  },
  {
    name: "notifier",
    type: "string",
    arg: "URL",
    help: "send deploy notifications to slack://CHANNEL or mail://HOST[:PORT]/TO (default: none)",
  },
  {
    name: "before-deploy-hook",
    type: "string",
    arg: "COMMAND",
    help: "sh -c command run before each deploy; a failure aborts the deploy",
  },
  {
    name: "after-deploy-hook",
    type: "string",
    arg: "COMMAND",
    help: "sh -c command run after each successful deploy",
  },
  {
    name: "canary-soak",
    type: "string",
    arg: "SECONDS",
    help: "the first new replica of a rollout serves real traffic this long beside the old ones " +
      `before the rest follows; 0 = off (default: ${CANARY_SOAK_S})`,
  },
  {
    name: "canary-max-failures",
    type: "string",
    arg: "PERCENT",
    help: "share of the canary's connections that may fail before its rollout is rolled back " +
      `(at least 5 failures) (default: ${CANARY_MAX_FAILURES_PERCENT})`,
  },
  {
    name: "state-dir",
    type: "string",
    arg: "DIR",
    help: "where pause, pin and deploy history are kept, one file per app " +
      "(default: $STATE_DIRECTORY, else ~/.local/state/dewy)",
  },
  {
    name: "reason",
    type: "string",
    arg: "TEXT",
    help: "why, for dewy container pause and rollback (logged and notified)",
  },
  {
    name: "log-level",
    short: "l",
    type: "string",
    arg: "debug|info|warn|error",
    help: "least severe log level printed, any case (default: info)",
  },
  {
    name: "log-format",
    short: "f",
    type: "string",
    arg: "text|json",
    help: "log line format on stderr (default: text)",
  },
  {
    name: "telemetry",
    type: "boolean",
    help: "serve OpenTelemetry metrics on the admin API at /metrics",
  },
  {
    name: "otlp-endpoint",
    type: "string",
    arg: "HOST:PORT",
    help: "also push metrics over OTLP/gRPC to this collector every 15 s (implies --telemetry); " +
      "TLS unless --otlp-insecure, so HOST is the name in the collector's certificate, not an IP",
  },
  {
    name: "otlp-insecure",
    type: "boolean",
    help: "plaintext gRPC to --otlp-endpoint instead of TLS (needed for an IP address)",
  },
  {
    name: "verify-key",
    type: "string",
    arg: "PATH",
    help: "deploy only digests signed with this PEM public key (cosign: .sig tag or Sigstore " +
      "bundle); repeatable, any one key may sign (default: no signature check)",
  },
  { name: "help", short: "h", type: "boolean", help: "print this help and exit" },
  {
    name: "version",
    short: "v",
    type: "boolean",
    help: "print the version and exit; give it alone",
  },
];

/** Go Dewy's flags that container mode does not have, with the reason (said when one is used). */
export const RETIRED_FLAGS: Readonly<Record<string, string>> = {
  slot: "OCI tags cannot carry the +build metadata it matches",
  cache: "dewy keeps no registry cache",
  "max-backoff-interval": "failed versions are retried with back-off and --interval stays fixed",
  "verify-checksum": "images are pinned by digest",
  "no-rollback": "a failed deploy always keeps the old replicas serving",
};

/** The flag spec of a long name, if it exists. */
export function flagByName(name: string): FlagSpec | undefined {
  return FLAGS.find((flag) => flag.name === name);
}
