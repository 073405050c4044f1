/**
 * Reads of a repository's content beyond tags: a manifest by tag or digest, a blob, and the
 * OCI 1.1 referrers of a digest. Signature verification uses them; each is one request
 * (with the client's auth), and a 404 resolves to `undefined`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { RegistryClient } from "./client.ts";
import { MANIFEST_ACCEPT } from "./digest.ts";
import { RegistryNotFoundError } from "./errors.ts";
import { type Failing, readBytes } from "./http.ts";

/** Largest manifest or referrers index read (the limit registries apply to manifests). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

/** A manifest as served: its exact bytes and their `sha256:` digest. */
export interface ManifestBytes {
  /** The bytes served. */
  bytes: Uint8Array;
  /** `sha256:` of those bytes (what a digest reference must match). */
  digest: string;
}

/** `GET /v2/<repository>/manifests/<reference>`; `undefined` when there is none (404). */
export async function fetchManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  signal?: AbortSignal,
): Promise<ManifestBytes | undefined> {
  const bytes = await get(client, `/v2/${repository}/manifests/${segment(reference)}`, {
    accept: MANIFEST_ACCEPT,
    what: `manifest ${repository}:${reference}`,
    limit: MAX_MANIFEST_BYTES,
    signal,
  });
  return bytes && { bytes, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` };
}

/**
 * `GET /v2/<repository>/blobs/<digest>` (redirects to storage are followed), at most
 * `maxBytes`; `undefined` when there is none (404). The caller checks the digest.
 */
export function fetchBlob(
  client: RegistryClient,
  repository: string,
  digest: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  return get(client, `/v2/${repository}/blobs/${segment(digest)}`, {
    accept: "*/*",
    what: `blob ${repository}@${digest}`,
    limit: maxBytes,
    signal,
  });
}

/**
 * `GET /v2/<repository>/referrers/<digest>`: the OCI image index of the manifests whose
 * `subject` is `digest`; `undefined` when the registry has no referrers API (404).
 */
export function fetchReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  return get(client, `/v2/${repository}/referrers/${segment(digest)}`, {
    accept: INDEX_TYPE,
    what: `referrers of ${repository}@${digest}`,
    limit: MAX_MANIFEST_BYTES,
    signal,
  });
}

/** `reference` as one path segment; the `:` of a digest stays as registries expect it. */
function segment(reference: string): string {
  return encodeURIComponent(reference).replace(/%3A/gi, ":");
}

async function get(
  client: RegistryClient,
  path: string,
  options: { accept: string; what: string; limit: number; signal?: AbortSignal },
): Promise<Uint8Array | undefined> {
  const host = client.url("/").host;
  const failing: Failing = {
    action: `reading the ${options.what} on ${host}`,
    notFound: `${options.what} not found on ${host}`,
  };
  try {
    const response = await client.request(
      client.url(path),
      { method: "GET", headers: { accept: options.accept } },
      failing,
      options.signal,
    );
    return await readBytes(response, options.limit);
  } catch (error) {
    if (error instanceof RegistryNotFoundError) return undefined;
    throw error;
  }
}
