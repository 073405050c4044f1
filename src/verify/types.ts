/**
 * What signature verification works with: the registry reads it needs and its verdicts.
 *
 * @module
 */
import type { VerifyKey } from "./keys.ts";

/** A manifest as the registry served it. */
export interface FetchedManifest {
  /** The exact bytes served. */
  bytes: Uint8Array;
  /** `sha256:` of those bytes. */
  digest: string;
}

/**
 * The registry reads signature verification needs, on the repository of the image (an
 * `OciRegistry` fits). Each rejects with a `RegistryError` when the registry fails.
 */
export interface SignatureSource {
  /** The manifest at `reference` (a tag or a digest); `undefined` when there is none (404). */
  manifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest | undefined>;
  /**
   * The blob `digest`, at most `maxBytes` long, as served (the caller checks its digest);
   * `undefined` when there is none (404).
   */
  blob(digest: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /**
   * The OCI 1.1 referrers index of `digest`; `undefined` when the registry has no referrers
   * API (it answers 404).
   */
  referrers(digest: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
}

/** Which of cosign's two formats carried the signature. */
export type SignatureFormat = "simple-signing" | "sigstore-bundle";

/** The outcome of checking one signature: the key that signed it, or what is wrong. */
export type SignatureCheck = { key: VerifyKey } | { problem: string };

/** A digest's verdict: signed by one of the keys, or the reasons it is not. */
export type Verdict =
  | {
    signed: true;
    /** The key whose signature verified. */
    key: VerifyKey;
    /** The format of that signature. */
    format: SignatureFormat;
    /** Where it was found: `.sig tag` (`sha256-<hex>.sig`), `referrers API`, `fallback tag` (`sha256-<hex>`). */
    location: string;
  }
  | {
    signed: false;
    /** What was missing or wrong, one entry per place looked at. */
    problems: string[];
  };
