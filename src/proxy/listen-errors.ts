/**
 * Why a proxy port could not be bound, and what to do about it, from the runtime's error.
 *
 * @module
 */
import { errorCode, errorMessage } from "../errors.ts";

/** Whether a listen failed because the port is taken (both runtimes set `code`). */
export function addressInUse(error: unknown): boolean {
  return errorCode(error) === "EADDRINUSE" || /in use/i.test(errorMessage(error));
}

/** What to do about a port that cannot be bound, from the error's code. */
export function listenHint(error: unknown, port: number): string {
  const code = errorCode(error);
  if (code === "EACCES" || code === "EPERM") {
    return port < 1024
      ? "(ports below 1024 need root or the CAP_NET_BIND_SERVICE capability, e.g. " +
        "AmbientCapabilities=CAP_NET_BIND_SERVICE in the systemd unit; or choose a --port from 1024)"
      : "(not permitted here; choose another --port)";
  }
  if (addressInUse(error)) {
    return "(another process is using it; stop it or choose another --port)";
  }
  return "(choose another --port)";
}
