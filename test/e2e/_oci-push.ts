/**
 * Pushing to a registry through its HTTP API, as a client like cosign does: blobs (monolithic
 * upload) and manifests of any media type, by tag or digest, and cosign's two kinds of
 * signatures made from them. No engine needed.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EMPTY_CONFIG,
  referrersIndex,
  referringManifest,
  sha256,
  sigManifest,
  signBytes,
  sigstoreBundle,
  simpleSigningPayload,
  type TestKey,
} from "../_cosign.ts";

/** Throws with the body unless `response` has `status`. */
export async function expectStatus(
  response: Response,
  status: number,
  what: string,
): Promise<Response> {
  if (response.status !== status) {
    throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  }
  return response;
}

/** Upload `data` as a blob of `repo` on `base` (`http://host:port`); resolves with its digest. */
export async function uploadBlob(
  base: string,
  repo: string,
  data: Uint8Array,
  headers: Record<string, string> = {},
): Promise<string> {
  const digest = sha256(data);
  const start = await expectStatus(
    await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", headers }),
    202,
    "start upload",
  );
  await start.body?.cancel();
  const url = new URL(start.headers.get("location")!, base);
  url.searchParams.set("digest", digest);
  const put = await fetch(url, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream" },
    body: new Uint8Array(data),
  });
  await (await expectStatus(put, 201, `upload ${digest}`)).body?.cancel();
  return digest;
}

/** Put `bytes` as manifest `reference` (tag or digest) of `repo`; resolves with its digest. */
export async function putManifest(
  base: string,
  repo: string,
  reference: string,
  bytes: Uint8Array,
  mediaType = "application/vnd.oci.image.manifest.v1+json",
  headers: Record<string, string> = {},
): Promise<string> {
  const put = await fetch(`${base}/v2/${repo}/manifests/${reference}`, {
    method: "PUT",
    headers: { ...headers, "content-type": mediaType },
    body: new Uint8Array(bytes),
  });
  await (await expectStatus(put, 201, `push ${repo}:${reference}`)).body?.cancel();
  return sha256(bytes);
}

/** Somewhere blobs and manifests can be pushed (a `TestRegistry`, {@link httpPusher}). */
export interface Pusher {
  /** Upload a blob; resolves with its digest. */
  putBlob(repo: string, bytes: Uint8Array): Promise<string>;
  /** Put a manifest under a tag or digest; resolves with its digest. */
  putManifest(
    repo: string,
    reference: string,
    bytes: Uint8Array,
    mediaType?: string,
  ): Promise<string>;
}

/** A {@link Pusher} for the registry at `base` without auth (the shared test registry). */
export function httpPusher(base: string): Pusher {
  return {
    putBlob: (repo, bytes) => uploadBlob(base, repo, bytes),
    putManifest: (repo, reference, bytes, mediaType) =>
      putManifest(base, repo, reference, bytes, mediaType),
  };
}

/**
 * Sign `digest` as cosign 2 does: payload blob, config, and the `sha256-<hex>.sig` manifest.
 * Resolves with the digest of that manifest.
 */
export async function pushSimpleSignature(
  pusher: Pusher,
  repo: string,
  digest: string,
  key: TestKey,
): Promise<string> {
  const payload = simpleSigningPayload(digest, repo);
  await pusher.putBlob(repo, payload);
  await pusher.putBlob(repo, EMPTY_CONFIG);
  const manifest = sigManifest([[payload, signBytes(key, payload)]]);
  return await pusher.putManifest(repo, `sha256-${digest.slice(7)}.sig`, manifest);
}

/**
 * Sign `digest` as cosign 3 does on a registry without the referrers API: the bundle blob,
 * its referring manifest (by digest), and the referrers index under the tag `sha256-<hex>`.
 * Resolves with the digests of both manifests.
 */
export async function pushBundleSignature(
  pusher: Pusher,
  repo: string,
  subject: { mediaType: string; size: number; digest: string },
  key: TestKey,
): Promise<string[]> {
  const bundle = sigstoreBundle(key, subject.digest);
  await pusher.putBlob(repo, bundle);
  await pusher.putBlob(repo, EMPTY_CONFIG);
  const referring = referringManifest(bundle, subject);
  const digest = await pusher.putManifest(repo, sha256(referring), referring);
  assert.equal(digest, sha256(referring));
  const index = await pusher.putManifest(
    repo,
    `sha256-${subject.digest.slice(7)}`,
    referrersIndex([referring]),
    "application/vnd.oci.image.index.v1+json",
  );
  return [digest, index];
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Put the manifest of `repo:from` under the tag `to` too (same bytes, same digest). */
export async function retag(base: string, repo: string, from: string, to: string): Promise<void> {
  const got = await expectStatus(
    await fetch(`${base}/v2/${repo}/manifests/${from}`, { headers: { accept: MANIFEST_TYPES } }),
    200,
    `get ${repo}:${from}`,
  );
  const mediaType = got.headers.get("content-type")!;
  await putManifest(base, repo, to, new Uint8Array(await got.arrayBuffer()), mediaType);
}
