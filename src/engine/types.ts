/**
 * What the deploy manager needs from a container engine, independent of how it is reached.
 * `client.ts` implements it over the Docker Engine API (Docker or Podman's compatible socket).
 *
 * @module
 */

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

/** Registry credentials for a pull (sent as `X-Registry-Auth`). */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** One progress event of a pull, parsed from the engine's JSON stream. */
export interface PullProgress {
  /** Layer id, when the event is about one layer. */
  layer?: string;
  /** Engine status text (`Downloading`, `Pull complete`, ...). */
  status: string;
  /** Bytes done of this layer, when known. */
  current?: number;
  /** Bytes total of this layer, when known. */
  total?: number;
}

/** A container as listed by the engine (`GET /containers/json`). */
export interface ContainerSummary {
  id: string;
  /** Name without the leading `/`. */
  name: string;
  image: string;
  /** `created`, `running`, `paused`, `restarting`, `exited`, `dead`. */
  state: string;
  labels: Record<string, string>;
}

/** A container's details (`GET /containers/{id}/json`). */
export interface ContainerDetails extends ContainerSummary {
  /** Published ports: `"8080/tcp"` → `{ hostIp, hostPort }` (first binding). */
  ports: Record<string, { hostIp: string; hostPort: number }>;
  /** The container's IP on its engine network (`172.17.0.3`); empty or absent when none. */
  address?: string;
  /** ISO timestamp, or `""` when never started. */
  startedAt: string;
  exitCode: number;
  oomKilled: boolean;
  restartCount: number;
}

/** What to create (`POST /containers/create`). */
export interface CreateContainerSpec {
  name: string;
  /** Image reference, normally pinned by digest (`repo@sha256:...`). */
  image: string;
  labels: Record<string, string>;
  /** Container ports to publish on `127.0.0.1` with a random host port. */
  publish: number[];
  /** Replaces the image's CMD when non-empty. */
  cmd: string[];
  /** Passthrough options from after `--`. */
  options: RunOptions;
}

/** An engine event relevant to dewy (`GET /events`). */
export interface EngineEvent {
  /** `die`, `destroy`, `oom`, `start`, `stop`, ... */
  action: string;
  /** Container id. */
  id: string;
  labels: Record<string, string>;
}

/** An image as listed by the engine. */
export interface ImageSummary {
  id: string;
  /** Unix seconds. */
  created: number;
}

/**
 * The container engine operations the deploy manager uses. Every method rejects with an
 * `EngineError` (status + engine message) or `EngineUnreachableError` (socket path).
 */
export interface Engine {
  ping(signal?: AbortSignal): Promise<void>;
  /** Engine name and API version, e.g. `{ name: "Docker Engine", apiVersion: "1.41" }`. */
  version(signal?: AbortSignal): Promise<{ name: string; version: string; apiVersion: string }>;
  /** Pull `image` (`repo:tag` or `repo@digest`), reporting progress. */
  pull(
    image: string,
    options?: { auth?: RegistryAuth; onProgress?: (p: PullProgress) => void; signal?: AbortSignal },
  ): Promise<void>;
  /** Inspect an image; `undefined` when absent. Exposed TCP ports are sorted ascending. */
  inspectImage(
    image: string,
    signal?: AbortSignal,
  ): Promise<{ id: string; exposedTcpPorts: number[]; repoDigests: string[] } | undefined>;
  /** List containers whose labels match all of `labels` (`all` includes stopped ones). */
  listContainers(
    labels: Record<string, string>,
    options?: { all?: boolean; signal?: AbortSignal },
  ): Promise<ContainerSummary[]>;
  /** Create a container; returns its id. */
  createContainer(spec: CreateContainerSpec, signal?: AbortSignal): Promise<string>;
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** Inspect a container; `undefined` when it does not exist. */
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerDetails | undefined>;
  /** The last `lines` lines a container wrote to stdout and stderr, as text. */
  containerLogs(id: string, lines: number, signal?: AbortSignal): Promise<string>;
  /** Stop with SIGTERM, SIGKILL after `timeoutS`. Already stopped is not an error. */
  stopContainer(id: string, timeoutS: number, signal?: AbortSignal): Promise<void>;
  /** Remove (force). Already gone is not an error. */
  removeContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** Stream container events matching `labels` until `signal` aborts. */
  events(
    labels: Record<string, string>,
    onEvent: (event: EngineEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** Images of a repository (by reference filter). */
  listImages(repository: string, signal?: AbortSignal): Promise<ImageSummary[]>;
  /** Remove an image (force). Already gone is not an error. */
  removeImage(id: string, signal?: AbortSignal): Promise<void>;
}
