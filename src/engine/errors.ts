/**
 * The errors of the container engine client: the engine answered with a failure
 * ({@link EngineError}) or could not be reached at all ({@link EngineUnreachableError}).
 *
 * @module
 */
import { oneLine, RuntimeFailure } from "../errors.ts";

/**
 * The engine answered, but not with success: an HTTP error status, an `error` line in a
 * pull stream, or a body that is not the JSON the Engine API promises.
 *
 * @example `Engine refused to create container app-1-0: 409 Conflict. The container name "/app-1-0" is already in use`
 */
export class EngineError extends RuntimeFailure {
  /** What dewy asked for, e.g. `create container app-1-0`. */
  readonly operation: string;
  /** The HTTP status, or 0 when the failure came inside a 200 stream or body. */
  readonly status: number;
  /** The engine's own message (or what was wrong with its answer). */
  readonly engineMessage: string;

  /** @param operation what was asked @param status HTTP status (0: none) @param message full text */
  private constructor(operation: string, status: number, engineMessage: string, message: string) {
    super(message);
    this.name = "EngineError";
    this.operation = operation;
    this.status = status;
    this.engineMessage = engineMessage;
  }

  /** The engine answered `status` with `engineMessage`. */
  static rejected(operation: string, status: number, engineMessage: string): EngineError {
    const text = oneLine(engineMessage) || "(no message)";
    return new EngineError(
      operation,
      status,
      text,
      `Engine refused to ${operation}: ${status} ${text}`,
    );
  }

  /** A streamed operation (pull) reported `engineMessage` as an error line. */
  static streamed(operation: string, engineMessage: string): EngineError {
    const text = oneLine(engineMessage) || "(no message)";
    return new EngineError(operation, 0, text, `Engine failed to ${operation}: ${text}`);
  }

  /** The engine's answer to `operation` could not be understood (`detail` says why). */
  static malformed(operation: string, status: number, detail: string): EngineError {
    const text = oneLine(detail);
    return new EngineError(
      operation,
      status,
      text,
      `Engine sent a malformed answer to "${operation}" (HTTP ${status}): ${text}. Is the socket a Docker Engine API?`,
    );
  }
}

/** The engine's socket could not be reached (missing, refused, denied, no answer in time). */
export class EngineUnreachableError extends RuntimeFailure {
  /** The unix socket path that was tried. */
  readonly socketPath: string;

  /**
   * @param socketPath the socket tried @param reason why, one line @param cause the underlying error
   * @param message the whole message, when the default (ending "Is dockerd/podman running?…") does not fit
   */
  constructor(socketPath: string, reason: string, cause?: unknown, message?: string) {
    super(
      message ??
        `Cannot reach the container engine at ${socketPath}: ${oneLine(reason)}. ` +
          `Is dockerd/podman running? Set DOCKER_HOST=unix://… or --runtime`,
      { cause },
    );
    this.name = "EngineUnreachableError";
    this.socketPath = socketPath;
  }

  /** The socket exists but dewy may not use it (EACCES/EPERM): the engine may well be running. */
  static denied(socketPath: string, cause?: unknown): EngineUnreachableError {
    return new EngineUnreachableError(
      socketPath,
      "permission denied",
      cause,
      `Cannot reach the container engine: permission denied on ${socketPath}: ` +
        `run dewy as root or as a user in the socket's group (e.g. docker)`,
    );
  }
}
