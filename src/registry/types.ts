/**
 * What the deploy manager needs from an image registry: the newest version and its digest.
 *
 * @module
 */

/** The newest version found in the registry. */
export interface LatestImage {
  /** The tag chosen (`v1.2.3`). */
  tag: string;
  /** Manifest digest of that tag (`sha256:...`), what is actually deployed. */
  digest: string;
  /** Registry host as used for the engine pull (`127.0.0.1:5000`, `ghcr.io`, `docker.io`). */
  registry: string;
  /** Repository path (`myorg/myapp`, `library/nginx`). */
  repository: string;
  /** `registry/repository:tag`, a pullable reference. */
  reference: string;
  /** `registry/repository@digest`, the pinned reference that is run. */
  pinnedReference: string;
  /** Every tag the listing returned (signature tags are looked up only when listed). */
  tags?: readonly string[];
}

/** A source of versions (`img://…`). */
export interface ImageRegistry {
  /** Find the newest tag and its digest. Rejects with a `RegistryError`. */
  latest(signal?: AbortSignal): Promise<LatestImage>;
  /** Tag `tag` and its digest (a rollback); rejects with `RegistryNotFoundError` when missing. */
  resolve(tag: string, signal?: AbortSignal): Promise<LatestImage>;
  /** Credentials the engine should use to pull from this registry, if any. */
  pullAuth(): { username: string; password: string; serveraddress: string } | undefined;
}
