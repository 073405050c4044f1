/**
 * Getting the image onto the engine: skip when the pinned digest is already there, else pull
 * with progress logged (layers and bytes, throttled) so a long pull is never a silent wait.
 *
 * @module
 */
import type { Engine, PullProgress, RegistryAuth } from "../engine/types.ts";
import type { Logger } from "../log.ts";
import { PULL_PROGRESS_LOG_INTERVAL_MS } from "../defaults.ts";
import type { Clock } from "./clock.ts";
import { ImageMissingError } from "./errors.ts";

/** Options of {@link ensureImage}. */
export interface EnsureImageOptions {
  /** Engine to pull on. */
  engine: Engine;
  /** Pinned reference (`repo@sha256:…`). */
  image: string;
  /** Credentials for the registry, if any. */
  auth?: RegistryAuth;
  /** Receives `Pulling image`, `Pull progress`, `Image pulled`. */
  logger: Logger;
  /** Time source for throttling and the pull duration. */
  clock: Clock;
  /** Aborts the pull. */
  signal?: AbortSignal;
}

/** What {@link ensureImage} found or did, with the image's exposed TCP ports. */
export interface EnsuredImage {
  /** Whether a pull happened (false when the digest was already present). */
  pulled: boolean;
  /** TCP ports the image EXPOSEs, ascending. */
  exposedTcpPorts: number[];
}

/** Make sure `image` is on the engine; pull it when it is not. */
export async function ensureImage(options: EnsureImageOptions): Promise<EnsuredImage> {
  const { engine, image, signal } = options;
  const present = await engine.inspectImage(image, signal);
  if (present) {
    options.logger.debug("Image already present", { image });
    return { pulled: false, exposedTcpPorts: present.exposedTcpPorts };
  }
  const started = options.clock.now();
  options.logger.info("Pulling image", { image });
  const progress = new PullProgressLog(options);
  await engine.pull(image, { auth: options.auth, onProgress: (p) => progress.add(p), signal });
  const pulled = await engine.inspectImage(image, signal);
  if (!pulled) throw new ImageMissingError(image);
  options.logger.info("Image pulled", {
    image,
    ...progress.totals(),
    duration_ms: options.clock.now() - started,
  });
  return { pulled: true, exposedTcpPorts: pulled.exposedTcpPorts };
}

interface LayerState {
  current: number;
  total: number;
  done: boolean;
}

/** Aggregates per-layer progress and logs it at most once per interval. */
class PullProgressLog {
  #layers = new Map<string, LayerState>();
  #lastLog: number;
  #options: EnsureImageOptions;

  constructor(options: EnsureImageOptions) {
    this.#options = options;
    this.#lastLog = options.clock.now();
  }

  add(p: PullProgress): void {
    if (p.layer) {
      const layer = this.#layers.get(p.layer) ?? { current: 0, total: 0, done: false };
      if (p.total !== undefined && /download/i.test(p.status)) {
        layer.total = p.total;
        layer.current = p.current ?? layer.current;
      }
      if (/complete|already exists/i.test(p.status)) {
        layer.done = true;
        if (/download complete/i.test(p.status)) layer.current = layer.total;
      }
      this.#layers.set(p.layer, layer);
    }
    const now = this.#options.clock.now();
    if (now - this.#lastLog < PULL_PROGRESS_LOG_INTERVAL_MS) return;
    this.#lastLog = now;
    this.#options.logger.info("Pull progress", { image: this.#options.image, ...this.totals() });
  }

  totals(): { layers: number; layers_done: number; bytes: number; bytes_total: number } {
    let layersDone = 0;
    let bytes = 0;
    let bytesTotal = 0;
    for (const layer of this.#layers.values()) {
      if (layer.done) layersDone++;
      bytes += layer.current;
      bytesTotal += layer.total;
    }
    return { layers: this.#layers.size, layers_done: layersDone, bytes, bytes_total: bytesTotal };
  }
}
