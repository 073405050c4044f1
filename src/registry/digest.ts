/**
 * Manifest digest of a tag: `HEAD /v2/<repo>/manifests/<tag>` reading
 * `Docker-Content-Digest`; a `GET` only when the HEAD answer has no digest (then the header,
 * or the sha256 of the exact manifest bytes).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { RegistryClient } from "./client.ts";
import { RegistryProtocolError } from "./errors.ts";
import { readBytes } from "./http.ts";

/** Manifest media types dewy accepts: OCI index/manifest, Docker manifest list/v2. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function headerDigest(response: Response, action: string): string | undefined {
  const digest = response.headers.get("docker-content-digest")?.trim();
  if (digest && !DIGEST.test(digest)) {
    throw new RegistryProtocolError(`${action}: bad Docker-Content-Digest "${digest}"`);
  }
  return digest || undefined;
}

/** The manifest digest (`sha256:…`) of `repository:tag`. */
export async function manifestDigest(
  client: RegistryClient,
  repository: string,
  tag: string,
  signal?: AbortSignal,
): Promise<string> {
  const url = client.url(`/v2/${repository}/manifests/${encodeURIComponent(tag)}`);
  const host = client.url("/").host;
  const failing = {
    action: `reading the digest of ${host}/${repository}:${tag}`,
    notFound: `tag not found: ${repository}:${tag} on ${host}`,
  };
  const headers = { accept: MANIFEST_ACCEPT };
  const head = await client.request(url, { method: "HEAD", headers }, failing, signal);
  await head.body?.cancel();
  const fromHead = headerDigest(head, failing.action);
  if (fromHead) return fromHead;
  const get = await client.request(url, { method: "GET", headers }, failing, signal);
  const bytes = await readBytes(get);
  return headerDigest(get, failing.action) ??
    `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
