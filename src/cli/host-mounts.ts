/**
 * Binds that hand a container the host, refused like `--privileged`: the host's root, and the
 * container engine's socket (or a folder holding it), through which the container could start
 * privileged containers of its own.
 *
 * @module
 */
import { posix } from "node:path";

/** A socket named like an engine's, wherever it lives. */
const ENGINE_SOCKET_NAME = /\/(docker|podman)\.sock$/;

/**
 * Why binding host path `source` would hand the container the host, or `undefined` when it
 * does not (named volumes never do). `engineSockets` comes from `hostEngineSockets`
 * (`engine/socket.ts`).
 */
export function hostControlMount(
  source: string,
  engineSockets: readonly string[],
): string | undefined {
  if (!source.startsWith("/")) return undefined;
  const path = posix.normalize(source).replace(/(.)\/+$/, "$1");
  if (path === "/") return "it mounts the host's root";
  const holds = (socket: string) => socket === path || socket.startsWith(`${path}/`);
  const sockets = engineSockets.map((socket) => posix.normalize(socket));
  if (ENGINE_SOCKET_NAME.test(path) || sockets.some(holds)) {
    return "it mounts the container engine socket";
  }
  return undefined;
}
