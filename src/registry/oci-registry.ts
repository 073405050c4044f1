/**
 * The `img://` image registry: lists tags, picks the newest version, resolves its digest.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { fetchBlob, fetchManifest, fetchReferrers, type ManifestBytes } from "./artifacts.ts";
import { RegistryClient, type RegistryClientOptions } from "./client.ts";
import { type CredentialSources, resolveCredentials } from "./credentials.ts";
import { manifestDigest } from "./digest.ts";
import { ConstraintUnmatchedError, NoVersionFoundError } from "./errors.ts";
import { listTags } from "./tags.ts";
import type { ImageRegistry, LatestImage } from "./types.ts";
import type { ImageRef } from "./url.ts";
import { selectLatest } from "./version.ts";

/** How many tags a "no version found" message lists before eliding the rest. */
const TAGS_SHOWN = 10;

/** Options of {@link OciRegistry}. */
export interface OciRegistryOptions extends RegistryClientOptions {
  /** Page size asked for with `?n=` when listing tags (default: the registry's). */
  pageSize?: number;
  /** Most tag pages followed (default `REGISTRY_MAX_PAGES`). */
  maxPages?: number;
}

/** An OCI distribution registry repository as a source of versions. */
export class OciRegistry implements ImageRegistry {
  /** The parsed `img://` URL this registry serves. */
  readonly image: ImageRef;
  readonly #client: RegistryClient;
  readonly #options: OciRegistryOptions;

  /** @param image parsed URL (see `parseImageUrl`) @param options credentials, paging, test doubles */
  constructor(image: ImageRef, options: OciRegistryOptions = {}) {
    this.image = image;
    this.#options = options;
    this.#client = new RegistryClient(image.apiBase, options);
  }

  /** Every tag of the repository, in registry order. Rejects with a `RegistryError`. */
  tags(signal?: AbortSignal): Promise<string[]> {
    const { pageSize, maxPages } = this.#options;
    return listTags(this.#client, this.image.repository, { pageSize, maxPages, signal });
  }

  /** The manifest digest of `tag`. Rejects with a `RegistryError`. */
  digest(tag: string, signal?: AbortSignal): Promise<string> {
    return manifestDigest(this.#client, this.image.repository, tag, signal);
  }

  /** The manifest at `reference` (a tag or a digest) as served; `undefined` when absent (404). */
  manifest(reference: string, signal?: AbortSignal): Promise<ManifestBytes | undefined> {
    return fetchManifest(this.#client, this.image.repository, reference, signal);
  }

  /** The blob `digest`, at most `maxBytes`; `undefined` when absent (404). */
  blob(digest: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    return fetchBlob(this.#client, this.image.repository, digest, maxBytes, signal);
  }

  /** The OCI referrers index of `digest`; `undefined` when the registry has no referrers API. */
  referrers(digest: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    return fetchReferrers(this.#client, this.image.repository, digest, signal);
  }

  /**
   * The newest version tag (inside the `constraint=` range) and its digest. Rejects with a
   * `RegistryError`: `NoVersionFoundError` when no tag is a version, `ConstraintUnmatchedError`
   * when versions exist but none in the range.
   */
  async latest(signal?: AbortSignal): Promise<LatestImage> {
    const { host, repository, calver, preRelease, constraint } = this.image;
    const tags = await this.tags(signal);
    const best = selectLatest(tags, { calver, preRelease, constraint });
    if (!best) {
      const newest = constraint && selectLatest(tags, { calver, preRelease });
      if (newest) {
        throw new ConstraintUnmatchedError(`${host}/${repository}`, constraint.text, newest.tag);
      }
      throw new NoVersionFoundError(this.#noVersionMessage(tags), tags);
    }
    return { ...await this.resolve(best.tag, signal), tags };
  }

  /** Tag `tag` and its digest. Rejects with a `RegistryError` (`RegistryNotFoundError` when missing). */
  async resolve(tag: string, signal?: AbortSignal): Promise<LatestImage> {
    const { host, repository } = this.image;
    const digest = await this.digest(tag, signal);
    return {
      tag,
      digest,
      registry: host,
      repository,
      reference: `${host}/${repository}:${tag}`,
      pinnedReference: `${host}/${repository}@${digest}`,
    };
  }

  /** Credentials for the engine's pull (`X-Registry-Auth`), if any are known. */
  pullAuth(): { username: string; password: string; serveraddress: string } | undefined {
    const credentials = this.#options.credentials;
    return credentials && { ...credentials, serveraddress: this.image.host };
  }

  #noVersionMessage(tags: string[]): string {
    const { host, repository, calver, preRelease } = this.image;
    const where = `${host}/${repository}`;
    if (tags.length === 0) return `no tags found in ${where}: push a version tag`;
    const scheme = calver ? `calver ${calver}` : "semver";
    const shown = tags.slice(0, TAGS_SHOWN).join(", ") +
      (tags.length > TAGS_SHOWN ? `, … (${tags.length} in all)` : "");
    return `no ${scheme} version tag in ${where} (pre-release=${preRelease}); tags seen: ${shown}`;
  }
}

/** Options of {@link openImageRegistry}. */
export interface OpenImageRegistryOptions extends Omit<OciRegistryOptions, "credentials"> {
  /** Where credentials are looked up: the environment and the home directory. */
  sources: CredentialSources;
  /**
   * Where credentials that are set up but cannot be used are reported, once, as
   * `Registry credentials not used` warnings (default: not reported).
   */
  logger?: Pick<Logger, "warn">;
}

/**
 * Resolve the credentials of `image` (environment, then `~/.docker/config.json`), warn on
 * `logger` about credentials that cannot be used, and return the registry. Rejects with a
 * `ConfigError` for a bad docker config.
 *
 * @example
 * ```ts
 * const image = parseImageUrl("img://127.0.0.1:5000/app?pre-release=true");
 * const registry = await openImageRegistry(image, { sources: { env: runtime.env, homeDir } });
 * const { tag, pinnedReference } = await registry.latest(AbortSignal.timeout(60_000));
 * ```
 */
export async function openImageRegistry(
  image: ImageRef,
  options: OpenImageRegistryOptions,
): Promise<OciRegistry> {
  const { sources, logger, ...rest } = options;
  const { credentials, warnings } = await resolveCredentials(
    image.host,
    sources,
  );
  for (const reason of warnings) {
    logger?.warn("Registry credentials not used", { registry: image.host, reason });
  }
  return new OciRegistry(image, { ...rest, credentials });
}
