/**
 * cosign v3 signatures as Sigstore bundles: a DSSE envelope around an in-toto Statement
 * whose subject is the image digest, verified with `@sigstore/verify` against the
 * `--verify-key` keys, with no transparency log, certificate log or timestamp required.
 *
 * @module
 */
import { type Bundle, bundleFromJSON } from "@sigstore/bundle";
import { type SignedEntity, toSignedEntity, type TrustMaterial, Verifier } from "@sigstore/verify";
import { errorMessage } from "../errors.ts";
import { Buffer } from "node:buffer";
import { type VerifyKey, verifySignature } from "./keys.ts";
import type { SignatureCheck } from "./types.ts";

/** Media types of Sigstore bundles start with this (`…bundle.v0.3+json`). */
export const BUNDLE_MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.bundle";
/** `predicateType` of a cosign image signature (attestations share the referrers list). */
export const SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** Key-based: nothing is required from Rekor, CT logs or timestamp authorities. */
const KEY_ONLY = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };

/**
 * Check a Sigstore bundle (`bytes`, the blob as fetched): a key-based DSSE envelope whose
 * signature verifies with one of `keys`, carrying a cosign signature Statement about `digest`.
 */
export function checkBundle(
  bytes: Uint8Array,
  keys: readonly VerifyKey[],
  digest: string,
): SignatureCheck {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    return { problem: `not a Sigstore bundle (${errorMessage(error)})` };
  }
  const { content, verificationMaterial } = bundle;
  if (content.$case !== "dsseEnvelope") {
    return { problem: "bundle holds a message signature, not an image signature (DSSE)" };
  }
  if (verificationMaterial.content.$case !== "publicKey") {
    return { problem: "bundle is keyless (certificate); dewy checks key-based signatures only" };
  }
  const envelope = content.dsseEnvelope;
  const entity = toSignedEntity(bundle);
  // The hint only orders the tries: what counts is a signature that verifies.
  const hint = verificationMaterial.content.publicKey.hint;
  const ordered = [...keys].sort((a, b) => Number(b.hint === hint) - Number(a.hint === hint));
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const key = ordered.find((k) => verifiesWith(entity, k, pae));
  if (!key) return { problem: "bundle signature does not verify with any --verify-key" };
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return { problem: `bundle payload type is ${envelope.payloadType}, not an in-toto Statement` };
  }
  return statementProblem(envelope.payload, digest) ?? { key };
}

/** Run `@sigstore/verify` with `key` as the only trusted key, no logs nor timestamps. */
function verifiesWith(entity: SignedEntity, key: VerifyKey, pae: Uint8Array): boolean {
  const trust: TrustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key.key, validFor: () => true }),
  };
  const content = entity.signature;
  // sigstore-js verifies with node:crypto's default digest, which Deno lacks for EC keys.
  const signature = {
    signature: content.signature,
    compareSignature: (s: Buffer) => content.compareSignature(s),
    compareDigest: (d: Buffer) => content.compareDigest(d),
    compareSignedDigest: (d: Buffer) => content.compareSignedDigest(d),
    verifySignature: () => verifySignature(key, pae, content.signature),
  };
  try {
    new Verifier(trust, KEY_ONLY).verify({ ...entity, signature, tlogEntries: [], timestamps: [] });
    return true;
  } catch {
    return false;
  }
}

/** DSSE's pre-authentication encoding: what a DSSE signature covers. */
function preAuthEncoding(type: string, payload: Uint8Array): Uint8Array {
  const typeBytes = Buffer.from(type, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${typeBytes.length} `),
    typeBytes,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** What is wrong with the signed Statement for `digest`, or `undefined` when it fits. */
function statementProblem(payload: Uint8Array, digest: string): { problem: string } | undefined {
  let statement: {
    _type?: unknown;
    predicateType?: unknown;
    subject?: { digest?: Record<string, unknown> }[];
  };
  try {
    statement = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return { problem: "signed Statement is not JSON" };
  }
  if (statement?._type !== STATEMENT_TYPE) {
    return { problem: `signed payload is not an in-toto Statement v1` };
  }
  if (statement.predicateType !== SIGN_PREDICATE_TYPE) {
    return { problem: `bundle is an attestation (${statement.predicateType}), not a signature` };
  }
  const hex = digest.startsWith("sha256:") ? digest.slice("sha256:".length) : undefined;
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  if (!hex || !subjects.some((s) => s?.digest?.sha256 === hex)) {
    const named = subjects.map((s) => s?.digest?.sha256).join(", ") || "nothing";
    return { problem: `bundle signs sha256:${named}, not ${digest}` };
  }
  return undefined;
}
