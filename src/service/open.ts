/**
 * Start-up checks of `dewy service`: an engine with a Swarm API, a manager node, and the
 * service to follow. Each failure is one line saying what to do (exit 1).
 *
 * @module
 */
import type { SwarmEngine, SwarmService } from "../engine/swarm-types.ts";
import { NotSwarmManagerError, ServiceNotFoundError, SwarmUnsupportedError } from "./errors.ts";

/** Options of {@link openService}. */
export interface OpenServiceOptions {
  /** The engine's name (`GET /version`), e.g. `Docker Engine` or `Podman Engine`. */
  engineName: string;
  swarm: SwarmEngine;
  /** The service name or id given with `--service`. */
  service: string;
  /** `HOST/REPO:TAG` shown in the `docker service create` hint when the service is missing. */
  exampleImage: string;
  signal?: AbortSignal;
}

/**
 * Read the service to follow, after checking that this engine can serve it.
 * @throws {SwarmUnsupportedError} Podman (no Swarm API)
 * @throws {NotSwarmManagerError} not in a swarm, or a worker
 * @throws {ServiceNotFoundError} no such service
 */
export async function openService(options: OpenServiceOptions): Promise<SwarmService> {
  const { swarm, signal } = options;
  if (/podman/i.test(options.engineName)) throw new SwarmUnsupportedError(options.engineName);
  const info = await swarm.swarmInfo(signal);
  if (!info.controlAvailable) throw new NotSwarmManagerError(info.localNodeState);
  const service = await swarm.inspectService(options.service, signal);
  if (!service) throw new ServiceNotFoundError(options.service, options.exampleImage);
  return service;
}
