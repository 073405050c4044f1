/**
 * Binds that hand a container the host, refused like `--privileged`: the host's root, and the
 * container engine's socket (or a folder holding it), through which the container could start
 * privileged containers of its own.
 *
 * @module
 */
import { posix } from "node:path";

/** Where Docker and Podman put their sockets by default. */
const DEFAULT_SOCKETS = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/run/podman/podman.sock",
  "/var/run/podman/podman.sock",
];
/** A socket named like an engine's, wherever it lives. */
const ENGINE_SOCKET_NAME = /\/(docker|podman)\.sock$/;

/** The engine sockets of this host: the defaults, `DOCKER_HOST`'s, the rootless Podman one. */
function engineSockets(env: (name: string) => string | undefined): string[] {
  const sockets = [...DEFAULT_SOCKETS];
  const dockerHost = env("DOCKER_HOST");
  if (dockerHost?.startsWith("unix://")) sockets.push(posix.normalize(dockerHost.slice(7)));
  const runtimeDir = env("XDG_RUNTIME_DIR");
  if (runtimeDir) sockets.push(posix.join(runtimeDir, "podman/podman.sock"));
  return sockets;
}

/**
 * Why binding host path `source` would hand the container the host, or `undefined` when it
 * does not (named volumes never do).
 */
export function hostControlMount(
  source: string,
  env: (name: string) => string | undefined,
): string | undefined {
  if (!source.startsWith("/")) return undefined;
  const path = posix.normalize(source).replace(/(.)\/+$/, "$1");
  if (path === "/") return "it mounts the host's root";
  const holds = (socket: string) => socket === path || socket.startsWith(`${path}/`);
  if (ENGINE_SOCKET_NAME.test(path) || engineSockets(env).some(holds)) {
    return "it mounts the container engine socket";
  }
  return undefined;
}
