/**
 * Getting the image onto the engine: skip when the pinned digest is already there, else pull
 * with progress logged (layers, cached layers and bytes, throttled) so a long pull is never a
 * silent wait.
 *
 * @module
 */
import type { Engine, PullProgress, RegistryAuth } from "../engine/types.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "./clock.ts";
import { ImageMissingError } from "./errors.ts";

/** Minimum gap between two pull-progress log lines of one pull. */
const PULL_PROGRESS_LOG_INTERVAL_MS = 2_000;

/** Options of {@link ensureImage}. */
export interface EnsureImageOptions {
  /** Engine to pull on. */
  engine: Engine;
  /** Pinned reference (`repo@sha256:…`). */
  image: string;
  /** Credentials for the registry, if any. */
  auth?: RegistryAuth;
  /** The version (tag) the image is, for the logs. */
  version?: string;
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
  options.logger.info("Pulling image", {
    image,
    ...(options.version && { version: options.version }),
  });
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
  /** The engine said `Already exists`: nothing to download. */
  cached: boolean;
}

/**
 * What a pull log line says: `layers`, `cached` (already present, when any), `layers_done`
 * (when something is to be downloaded) and `bytes`/`bytes_total` (when sizes are known).
 */
export interface PullTotals {
  layers: number;
  cached?: number;
  layers_done?: number;
  bytes?: number;
  bytes_total?: number;
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
    // `Pulling from REPO` carries the tag or digest as its id: not a layer.
    if (p.layer && !/^pulling from /i.test(p.status)) {
      const layer = this.#layers.get(p.layer) ??
        { current: 0, total: 0, done: false, cached: false };
      if (p.total !== undefined && /download/i.test(p.status)) {
        layer.total = p.total;
        layer.current = p.current ?? layer.current;
      }
      if (/complete|already exists/i.test(p.status)) {
        layer.done = true;
        if (/already exists/i.test(p.status)) layer.cached = true;
        if (/download complete/i.test(p.status)) layer.current = layer.total;
      }
      this.#layers.set(p.layer, layer);
    }
    const now = this.#options.clock.now();
    if (now - this.#lastLog < PULL_PROGRESS_LOG_INTERVAL_MS) return;
    this.#lastLog = now;
    this.#options.logger.info("Pull progress", { image: this.#options.image, ...this.totals() });
  }

  totals(): PullTotals {
    let layersDone = 0;
    let cached = 0;
    let bytes = 0;
    let bytesTotal = 0;
    for (const layer of this.#layers.values()) {
      if (layer.done) layersDone++;
      if (layer.cached) cached++;
      bytes += layer.current;
      bytesTotal += layer.total;
    }
    const totals: PullTotals = { layers: this.#layers.size };
    if (cached > 0) totals.cached = cached;
    if (cached < this.#layers.size) totals.layers_done = layersDone;
    if (bytesTotal > 0) Object.assign(totals, { bytes, bytes_total: bytesTotal });
    return totals;
  }
}
