/**
 * Sending one service update: the spec read at the start of the check with the new image,
 * and, when someone else changed the service meanwhile (`update out of sequence`), the spec
 * read again and sent once more, so their change is kept.
 *
 * @module
 */
import { EngineError } from "../engine/errors.ts";
import type { RegistryAuth } from "../engine/types.ts";
import type { SwarmEngine, SwarmService } from "../engine/swarm-types.ts";
import type { Logger } from "../log.ts";
import { updateSpec } from "./spec.ts";

/** Options of {@link sendUpdate}. */
export interface SendUpdateOptions {
  swarm: SwarmEngine;
  /** The service as read at the start of the check. */
  service: SwarmService;
  /** `REPO:TAG@sha256:…` to run. */
  image: string;
  /** Least `UpdateConfig.Monitor`, in milliseconds (the health window). */
  monitorMinMs: number;
  /** Pull credentials for every node. */
  auth?: RegistryAuth;
  logger: Logger;
  signal: AbortSignal;
}

/** Whether `error` is the engine refusing an update for an outdated `version`. */
export function isOutOfSequence(error: unknown): boolean {
  return error instanceof EngineError && /out of sequence/i.test(error.engineMessage);
}

/**
 * Update the service to `image`; resolves with the service as it was just before the update
 * that was accepted (its `UpdateStatus` tells this update from earlier ones).
 * @throws {EngineError} when the engine refuses (a second `out of sequence` included)
 */
export async function sendUpdate(options: SendUpdateOptions): Promise<SwarmService> {
  const { swarm, image, monitorMinMs, auth, logger, signal } = options;
  let service = options.service;
  for (let attempt = 1;; attempt++) {
    const spec = updateSpec(service.spec, image, monitorMinMs);
    try {
      const warnings = await swarm.updateService(service.id, service.version, spec, {
        auth,
        signal,
      });
      for (const warning of warnings) {
        logger.warn("Engine warning on the service update", { warning });
      }
      return service;
    } catch (error) {
      if (attempt > 1 || !isOutOfSequence(error)) throw error;
      logger.info("The service changed during the check; reading it again to keep that change", {
        version: service.version,
      });
      const fresh = await swarm.inspectService(service.id, signal);
      if (!fresh) throw error;
      service = fresh;
    }
  }
}
