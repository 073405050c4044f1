/**
 * Why a deploy step failed. Each message names the value at fault and what to do; the
 * deploy manager logs it on one line, notifies it, and rolls back.
 *
 * @module
 */
import type { ContainerDetails } from "../engine/types.ts";

/** The image does not expose exactly one TCP port and `--port` gave no container port. */
export class PortResolutionError extends Error {
  /** The image reference inspected. */
  readonly image: string;
  /** The TCP ports the image exposes (sorted). */
  readonly exposed: readonly number[];
  /** @param image the image inspected @param exposed its exposed TCP ports */
  constructor(image: string, exposed: readonly number[]) {
    const found = exposed.length === 0 ? "no TCP port" : `TCP ports ${exposed.join(", ")}`;
    super(
      `image ${image} exposes ${found}: give the container port explicitly with --port PROXY:CONTAINER`,
    );
    this.name = "PortResolutionError";
    this.image = image;
    this.exposed = exposed;
  }
}

/** The image was not found on the engine after the pull. */
export class ImageMissingError extends Error {
  /** @param image the reference that is missing */
  constructor(image: string) {
    super(
      `image ${image} is not on the engine after pulling it: check the engine's storage and logs`,
    );
    this.name = "ImageMissingError";
  }
}

/** A new replica did not become healthy within `--health-timeout`. */
export class HealthCheckError extends Error {
  /** Container name. */
  readonly container: string;
  /** @param container name @param target what was probed @param timeoutMs budget @param last last failure */
  constructor(container: string, target: string, timeoutMs: number, last: string) {
    super(
      `container ${container} did not become healthy at ${target} within ${timeoutMs / 1000}s ` +
        `(last probe: ${last}): its last output is logged ("Output of the failed container"); ` +
        "fix the app or raise --health-timeout",
    );
    this.name = "HealthCheckError";
    this.container = container;
  }
}

/** A new replica exited while dewy was waiting for it to become healthy. */
export class ContainerExitedError extends Error {
  /** Container name. */
  readonly container: string;
  /** @param container name @param state engine state @param exitCode exit code @param oomKilled killed for memory */
  constructor(container: string, state: string, exitCode: number, oomKilled: boolean) {
    super(
      `container ${container} is ${state || "gone"} (exit code ${exitCode}${
        oomKilled ? ", killed for lack of memory" : ""
      }) instead of running: its last output is logged ("Output of the failed container")`,
    );
    this.name = "ContainerExitedError";
    this.container = container;
  }

  /** The error for container `name` whose inspection (`undefined`: gone) shows it is not running. */
  static of(name: string, details: ContainerDetails | undefined): ContainerExitedError {
    return new ContainerExitedError(
      name,
      details?.state ?? "",
      details?.exitCode ?? -1,
      details?.oomKilled ?? false,
    );
  }
}

/** The engine did not publish a host port for a container port. */
export class PortNotPublishedError extends Error {
  /** @param container name @param containerPort the port that has no host binding */
  constructor(container: string, containerPort: number) {
    super(
      `container ${container} has no host port for ${containerPort}/tcp: ` +
        "check the engine's port publishing (and that --network does not disable it)",
    );
    this.name = "PortNotPublishedError";
  }
}

/** A `--port` mapping names a proxy port that dewy has no listener for (a wiring bug). */
export class MissingProxyError extends Error {
  /** @param proxyPort the proxy port without a listener */
  constructor(proxyPort: number) {
    super(`no TCP proxy listens on port ${proxyPort}: start one proxy per --port mapping`);
    this.name = "MissingProxyError";
  }
}

/** The before-deploy hook failed, so the deploy was not started. */
export class HookFailedError extends Error {
  /** @param command the hook @param exitCode its exit code @param timedOut killed by the timeout */
  constructor(command: string, exitCode: number, timedOut: boolean) {
    super(
      `before-deploy hook "${command}" ${
        timedOut ? "timed out" : `failed with exit code ${exitCode}`
      }: deploy aborted; fix the hook (the version is retried with back-off)`,
    );
    this.name = "HookFailedError";
  }
}
