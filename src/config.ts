/**
 * The one typed configuration the CLI hands to the core. Every field is validated and
 * defaulted by `src/cli/`; the core never reads flags or the environment itself.
 *
 * @module
 */
import type { LogFormat, LogLevel } from "./log.ts";

/** One `--port` mapping: public proxy port → container port (0 = from the image's EXPOSE). */
export interface PortMapping {
  /** Public port the proxy listens on. */
  proxyPort: number;
  /** Port inside the container; 0 means "the single EXPOSEd TCP port of the image". */
  containerPort: number;
}

/**
 * The supported subset of `docker run` options given after `--`, already parsed.
 * The engine client maps it onto the create-container body.
 */
export interface RunOptions {
  /** `-e/--env K=V` (and `--env-file` contents), in order. */
  env: string[];
  /** `-v/--volume SRC:DST[:ro]` binds. */
  binds: string[];
  /** `--restart no|always|unless-stopped|on-failure[:N]`. */
  restart?: { name: string; maximumRetryCount?: number };
  /** `--memory/-m` in bytes. */
  memoryBytes?: number;
  /** `--cpus` as nano-CPUs. */
  nanoCpus?: number;
  /** `--network/--net`. */
  network?: string;
  /** `--entrypoint` (one string, split like docker does: a single element). */
  entrypoint?: string[];
  /** `-w/--workdir`. */
  workdir?: string;
  /** `-u/--user`; when absent dewy runs the container as its own uid:gid. */
  user?: string;
  /** `--add-host HOST:IP`. */
  extraHosts: string[];
  /** `-l/--label K=V` (never with the reserved `dewy.` prefix). */
  labels: Record<string, string>;
  /** `--name` base for container names (default: the app name). */
  name?: string;
}

/** Configuration of `dewy container`. */
export interface ContainerConfig {
  /** The `img://` registry URL as given (query included). */
  registry: string;
  /** App name (`--name`, default: last path segment of the repository). */
  app: string;
  /** Port mappings, at least one, proxy ports unique. */
  ports: PortMapping[];
  /** Replicas to run (≥ 1). */
  replicas: number;
  /** `--cmd` values replacing the image's CMD (empty = keep the image's). */
  cmd: string[];
  /** HTTP health path, e.g. `/health`; empty = wait for a TCP accept instead. */
  healthPath: string;
  /** Seconds a new replica gets to become healthy. */
  healthTimeoutS: number;
  /** Seconds an old replica's connections get to finish before it is stopped. */
  drainTimeS: number;
  /** Container engine flavour (selects the default socket path). */
  runtime: "docker" | "podman";
  /** Proxy idle timeout in seconds; 0 = off. */
  proxyIdleTimeoutS: number;
  /** First admin API port. */
  adminPort: number;
  /** Registry poll interval in seconds (> 0). */
  intervalS: number;
  /** Calver format (`--calver`), empty = semver. */
  calver: string;
  /** Notifier URL (`slack://…`, `mail://…`, `smtp://…`), empty = none. */
  notifier: string;
  /** Shell command run before a deploy; a failure aborts the deploy. */
  beforeDeployHook: string;
  /** Shell command run after a successful deploy. */
  afterDeployHook: string;
  /** Parsed `docker run` options from after `--`. */
  runOptions: RunOptions;
  /** Telemetry: on with `--telemetry` or any `--otlp-endpoint`. */
  telemetry: boolean;
  /** OTLP/gRPC endpoint `host:port`, empty = no push. */
  otlpEndpoint: string;
  /** Plaintext gRPC instead of TLS. */
  otlpInsecure: boolean;
  /** Log level. */
  logLevel: LogLevel;
  /** Log format. */
  logFormat: LogFormat;
}
