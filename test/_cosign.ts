/**
 * Signing as cosign does, for tests (no cosign binary here): key pairs, simple-signing
 * payloads and `.sig` manifests, Sigstore bundles and their referring manifests, and where
 * the real fixtures of `shared/spec/signatures/` are.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * The folder of the real cosign/sigstore fixtures (`DEWY_SHARED_DIR`, else `shared/` beside
 * the repository); throws, saying so, when it is not there.
 */
export function signatureFixtures(): string {
  const shared = process.env.DEWY_SHARED_DIR ??
    fileURLToPath(new URL("../../shared", import.meta.url));
  const dir = `${shared}/spec/signatures`;
  if (!existsSync(dir)) {
    throw new Error(`signature fixtures not found at ${dir}: set DEWY_SHARED_DIR to shared/`);
  }
  return dir;
}

/** `sha256:<hex>` of `bytes`. */
export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A signing key pair and its public key as `cosign.pub` holds it. */
export interface TestKey {
  /** The private key. */
  privateKey: KeyObject;
  /** The public key. */
  publicKey: KeyObject;
  /** PEM (`-----BEGIN PUBLIC KEY-----`). */
  pem: string;
}

/** A new key pair: ECDSA P-256 (what `cosign generate-key-pair` makes), Ed25519 or RSA. */
export function generateKey(type: "ec" | "ed25519" | "rsa" = "ec"): TestKey {
  const pair = type === "ec"
    ? generateKeyPairSync("ec", { namedCurve: "prime256v1" })
    : type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ed25519");
  const pem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
  return { ...pair, pem };
}

/** Base64 signature of `data` as cosign makes it (DER ECDSA/RSA over SHA-256, pure Ed25519). */
export function signBytes(key: TestKey, data: Uint8Array): string {
  const algorithm = key.privateKey.asymmetricKeyType === "ed25519" ? null : "sha256";
  return sign(algorithm, data, key.privateKey).toString("base64");
}

/** The simple-signing payload cosign writes for `digest` (compact JSON, `optional: null`). */
export function simpleSigningPayload(digest: string, reference = "127.0.0.1:5000/app"): Uint8Array {
  return Buffer.from(JSON.stringify({
    critical: {
      identity: { "docker-reference": reference },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    },
    optional: null,
  }));
}

/** A descriptor of `bytes`. */
export function descriptor(mediaType: string, bytes: Uint8Array) {
  return { mediaType, size: bytes.length, digest: sha256(bytes) };
}

/** The config blob of signature manifests (cosign's placeholder). */
export const EMPTY_CONFIG = Buffer.from("{}");

/** A `.sig` manifest with one simple-signing layer per `[payload, signature]`. */
export function sigManifest(layers: [Uint8Array, string][]): Uint8Array {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: descriptor("application/vnd.oci.image.config.v1+json", EMPTY_CONFIG),
    layers: layers.map(([payload, signature]) => ({
      ...descriptor("application/vnd.dev.cosign.simplesigning.v1+json", payload),
      annotations: { "dev.cosignproject.cosign/signature": signature },
    })),
  }));
}

const BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** A key-based cosign v3 bundle signing `digest` (no tlog entry, as `--tlog-upload=false`). */
export function sigstoreBundle(key: TestKey, digest: string, predicateType?: string): Uint8Array {
  const statement = Buffer.from(JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ digest: { sha256: digest.slice("sha256:".length) }, annotations: {} }],
    predicateType: predicateType ?? "https://sigstore.dev/cosign/sign/v1",
  }));
  const type = "application/vnd.in-toto+json";
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} ${type} ${statement.length} `),
    statement,
  ]);
  const spki = key.publicKey.export({ type: "spki", format: "der" });
  return Buffer.from(JSON.stringify({
    mediaType: BUNDLE_TYPE,
    verificationMaterial: {
      publicKey: { hint: createHash("sha256").update(spki).digest("base64") },
      tlogEntries: [],
    },
    dsseEnvelope: {
      payload: statement.toString("base64"),
      payloadType: type,
      signatures: [{ sig: signBytes(key, pae) }],
    },
  }));
}

/** The referring manifest cosign pushes for `bundle`, about `subject`. */
export function referringManifest(
  bundle: Uint8Array,
  subject: { mediaType: string; size: number; digest: string },
): Uint8Array {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: BUNDLE_TYPE,
    config: { ...descriptor("application/vnd.oci.empty.v1+json", EMPTY_CONFIG) },
    layers: [descriptor(BUNDLE_TYPE, bundle)],
    annotations: {
      "dev.sigstore.bundle.content": "dsse-envelope",
      "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1",
    },
    subject,
  }));
}

/** An OCI index listing `manifests` (a referrers answer, or the fallback tag's content). */
export function referrersIndex(manifests: Uint8Array[]): Uint8Array {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: manifests.map((m) => ({
      ...descriptor("application/vnd.oci.image.manifest.v1+json", m),
      artifactType: BUNDLE_TYPE,
    })),
  }));
}
