/**
 * cosign's legacy "simple signing" signatures (the `sha256-<hex>.sig` tag): one layer per
 * signature, the layer blob is the signed JSON payload, the annotation its signature.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type VerifyKey, verifySignature } from "./keys.ts";
import type { SignatureCheck } from "./types.ts";

/** Media type of a signature layer of a `.sig` manifest. */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
/** The layer annotation holding the base64 signature over the layer blob. */
export const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
/** `critical.type` of a cosign image signature payload. */
export const COSIGN_SIGNATURE_TYPE = "cosign container image signature";

/** Standard or URL-safe base64, padded or not (protobuf-JSON allows both). */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** `text` decoded as standard or URL-safe base64; `undefined` when it is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  return BASE64.test(trimmed) ? new Uint8Array(Buffer.from(trimmed, "base64")) : undefined;
}

/**
 * Check one simple-signing signature: `signature` (base64, from the layer annotation) must
 * verify with one of `keys` over `payload` (the blob bytes exactly as fetched), and the
 * payload must be a cosign image signature of `digest`.
 */
export function checkSimpleSigning(
  payload: Uint8Array,
  signature: string,
  keys: readonly VerifyKey[],
  digest: string,
): SignatureCheck {
  const bytes = decodeBase64(signature);
  if (!bytes) return { problem: `annotation ${COSIGN_SIGNATURE_ANNOTATION} is not base64` };
  const key = keys.find((k) => verifySignature(k, payload, bytes));
  if (!key) return { problem: "signature does not verify with any --verify-key" };
  let body: { critical?: { type?: unknown; image?: Record<string, unknown> } } | null;
  try {
    body = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return { problem: "signed payload is not JSON" };
  }
  const type = body?.critical?.type;
  if (type !== COSIGN_SIGNATURE_TYPE) {
    return { problem: `signed payload has critical.type ${JSON.stringify(type)}` };
  }
  const signed = body?.critical?.image?.["docker-manifest-digest"];
  if (signed !== digest) {
    return { problem: `signature is for ${JSON.stringify(signed)}, not for ${digest}` };
  }
  return { key };
}
