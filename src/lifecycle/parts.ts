/**
 * The parts both modes open first, from their sections of the config: the logger, the engine
 * client on the resolved socket, the registry and the notifier.
 *
 * @module
 */
import type { EngineSettings } from "../config.ts";
import { DockerEngineClient } from "../engine/client.ts";
import { type LogFormat, Logger, type LogLevel } from "../log.ts";
import { createNotifier, type Notifier } from "../notify/mod.ts";
import type { NotifierSpec } from "../notify/url.ts";
import { type OciRegistry, openImageRegistry } from "../registry/mod.ts";
import type { ImageRef } from "../registry/url.ts";
import type { Runtime } from "../runtime/types.ts";
import { VERSION } from "../version.ts";

/** The config sections {@link openSharedParts} reads. */
export interface SharedSettings {
  /** Logging. */
  log: { level: LogLevel; format: LogFormat };
  /** The engine and its socket. */
  engine: EngineSettings;
  /** The image to follow. */
  image: ImageRef;
  /** The notifier, resolved; null = none. */
  notifier: NotifierSpec | null;
}

/** What {@link openSharedParts} opens; nothing listens or runs yet. */
export interface SharedParts {
  /** The one logger. */
  logger: Logger;
  /** The engine client on `settings.engine.socketPath`. */
  engine: DockerEngineClient;
  /** The registry of `settings.image`. */
  registry: OciRegistry;
  /** The notifier (sends nothing when none is configured). */
  notifier: Notifier;
}

/** Open the logger, engine client, registry and notifier. Bad settings throw `ConfigError`. */
export async function openSharedParts(
  runtime: Runtime,
  settings: SharedSettings,
): Promise<SharedParts> {
  const env = (name: string) => runtime.env(name);
  const logger = new Logger(settings.log);
  const engine = new DockerEngineClient({ runtime, socketPath: settings.engine.socketPath });
  const registry = await openImageRegistry(settings.image, {
    sources: { env, homeDir: runtime.homeDir() },
    logger,
  });
  const notifier = createNotifier(settings.notifier, {
    env,
    logger,
    version: VERSION,
    hostname: runtime.hostName(),
    userName: runtime.userName(),
    workingDir: runtime.cwd(),
  });
  return { logger, engine, registry, notifier };
}
