/**
 * Why `dewy service` cannot start or an update did not take. Each message names the service,
 * the version or the engine, and what to do.
 *
 * @module
 */
import { RuntimeFailure } from "../errors.ts";

/** The engine has no Swarm API (Podman): `dewy service` cannot run there. */
export class SwarmUnsupportedError extends RuntimeFailure {
  /** @param engine the engine's name, e.g. `Podman Engine` */
  constructor(engine: string) {
    super(
      `${engine} has no Swarm API: dewy service needs Docker in Swarm mode; ` +
        "use dewy container on this host instead",
    );
    this.name = "SwarmUnsupportedError";
  }
}

/** This node is not a Swarm manager (not in a swarm, or a worker). */
export class NotSwarmManagerError extends RuntimeFailure {
  /** @param state the node's Swarm state (`inactive`, `active`, ...) */
  constructor(state: string) {
    const why = state === "active" ? "this node is a Swarm worker" : `Swarm is ${state} here`;
    super(
      `run dewy service on a Swarm manager (${why}; services are read and updated through a ` +
        "manager's socket: docker node ls shows them)",
    );
    this.name = "NotSwarmManagerError";
  }
}

/** The service does not exist: dewy updates a service, it never creates one. */
export class ServiceNotFoundError extends RuntimeFailure {
  /** @param service the name asked for @param image the image to create it from */
  constructor(service: string, image: string) {
    super(
      `service ${service} does not exist: create it first, e.g. docker service create ` +
        `--name ${service} --update-failure-action rollback --publish 8080:8080 ${image}`,
    );
    this.name = "ServiceNotFoundError";
  }
}

/** How an update of the service ended when it did not complete. */
export type UpdateFailure = "rollback_completed" | "paused" | "rollback_paused" | "timeout";

/** An update did not complete: Swarm rolled it back, it paused, or it outlived the timeout. */
export class ServiceUpdateFailedError extends Error {
  /** How it ended. */
  readonly outcome: UpdateFailure;
  /**
   * @param service name @param version tag @param digest digest
   * @param outcome how it ended @param detail Swarm's message or the timeout
   */
  constructor(
    service: string,
    target: { version: string; digest: string },
    outcome: UpdateFailure,
    detail: string,
  ) {
    const what = {
      rollback_completed: "was rolled back by Swarm",
      paused: "paused and was rolled back by dewy",
      rollback_paused: "failed and its rollback paused (fix the service by hand)",
      timeout: "did not finish in time (--update-timeout) and was rolled back by dewy",
    }[outcome];
    super(
      `update of service ${service} to ${target.version} (${target.digest}) ${what}: ${detail}; ` +
        "this digest is not tried again: push a fixed image",
    );
    this.name = "ServiceUpdateFailedError";
    this.outcome = outcome;
  }
}
