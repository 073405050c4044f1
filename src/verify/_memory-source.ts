/**
 * An in-memory {@link SignatureSource} for the verification tests: manifests by tag or
 * digest, blobs by digest, referrers by digest (or no referrers API), counting every read.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { FetchedManifest, SignatureSource } from "./types.ts";

/** A repository held in memory. */
export class MemorySource implements SignatureSource {
  /** Manifests by tag or digest. */
  readonly manifests = new Map<string, Uint8Array>();
  /** Blobs by digest. */
  readonly blobs = new Map<string, Uint8Array>();
  /** Referrers indexes by subject digest; `undefined`: the registry has no referrers API. */
  referrersByDigest: Map<string, Uint8Array> | undefined;
  /** Every read, `kind reference`, in order. */
  readonly reads: string[] = [];

  /** Store `bytes` as a manifest under `tag` and under its digest; returns the digest. */
  putManifest(bytes: Uint8Array, tag?: string): string {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    this.manifests.set(digest, bytes);
    if (tag) this.manifests.set(tag, bytes);
    return digest;
  }

  /** Store `bytes` as a blob; returns its digest. */
  putBlob(bytes: Uint8Array): string {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    this.blobs.set(digest, bytes);
    return digest;
  }

  /** {@inheritDoc SignatureSource.manifest} */
  manifest(reference: string): Promise<FetchedManifest | undefined> {
    this.reads.push(`manifest ${reference}`);
    const bytes = this.manifests.get(reference);
    const digest = bytes && `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    return Promise.resolve(bytes && { bytes, digest: digest! });
  }

  /** {@inheritDoc SignatureSource.blob} */
  blob(digest: string): Promise<Uint8Array | undefined> {
    this.reads.push(`blob ${digest}`);
    return Promise.resolve(this.blobs.get(digest));
  }

  /** {@inheritDoc SignatureSource.referrers} */
  referrers(digest: string): Promise<Uint8Array | undefined> {
    this.reads.push(`referrers ${digest}`);
    if (!this.referrersByDigest) return Promise.resolve(undefined);
    const empty = new TextEncoder().encode('{"schemaVersion":2,"manifests":[]}');
    return Promise.resolve(this.referrersByDigest.get(digest) ?? empty);
  }
}
