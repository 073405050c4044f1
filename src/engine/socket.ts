/**
 * Where the container engine's API socket is: `DOCKER_HOST=unix://…` wins, else the
 * default path of the `--runtime`. The one module that reads DOCKER_HOST and XDG_RUNTIME_DIR.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** Docker's default socket. */
const DOCKER_SOCKET = "/var/run/docker.sock";
/** Rootful podman's default API socket (`podman system service`). */
const PODMAN_ROOT_SOCKET = "/run/podman/podman.sock";

/** Where Docker and Podman put their sockets by default (`/var/run` and `/run` spellings). */
export const DEFAULT_ENGINE_SOCKETS: readonly string[] = [
  DOCKER_SOCKET,
  "/run/docker.sock",
  PODMAN_ROOT_SOCKET,
  "/var/run/podman/podman.sock",
];

/**
 * The unix socket path of the container engine.
 *
 * `DOCKER_HOST=unix:///path` selects `/path` for either runtime. Without it: docker uses
 * `/var/run/docker.sock`; podman uses `/run/podman/podman.sock` as root, else
 * `$XDG_RUNTIME_DIR/podman/podman.sock` (`/run/user/UID/...` when XDG_RUNTIME_DIR is unset).
 *
 * @param runtime the `--runtime` flag value
 * @param env reads an environment variable (e.g. `runtime.env`)
 * @param uid dewy's user id (e.g. `runtime.uid()`), for podman's rootless socket
 * @throws {ConfigError} when DOCKER_HOST is set to something other than a `unix://` path
 */
export function resolveEngineSocket(
  runtime: "docker" | "podman",
  env: (name: string) => string | undefined,
  uid: number,
): string {
  const host = env("DOCKER_HOST")?.trim();
  if (host) {
    const path = host.startsWith("unix://") ? host.slice("unix://".length) : "";
    if (!path.startsWith("/")) {
      throw new ConfigError(
        "DOCKER_HOST",
        `DOCKER_HOST=${host} is not supported: dewy reaches the engine over a unix socket; ` +
          `set DOCKER_HOST=unix:///path/to/engine.sock or unset it to use the --runtime default`,
      );
    }
    return path;
  }
  if (runtime === "docker") return DOCKER_SOCKET;
  if (uid === 0) return PODMAN_ROOT_SOCKET;
  return rootlessPodmanSocket(env, uid);
}

/** Rootless podman's API socket: under `$XDG_RUNTIME_DIR`, else `/run/user/UID`. */
function rootlessPodmanSocket(env: (name: string) => string | undefined, uid: number): string {
  const runtimeDir = env("XDG_RUNTIME_DIR") || `/run/user/${uid}`;
  return `${runtimeDir}/podman/podman.sock`;
}

/**
 * Every engine socket of this host that a container must not mount: the default paths, the
 * one dewy uses (`socketPath`, from {@link resolveEngineSocket}) and rootless podman's.
 */
export function hostEngineSockets(
  socketPath: string,
  env: (name: string) => string | undefined,
  uid: number,
): string[] {
  return [...DEFAULT_ENGINE_SOCKETS, socketPath, rootlessPodmanSocket(env, uid)];
}
