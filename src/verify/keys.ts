/**
 * Public keys given with `--verify-key`: loading a PEM file as `cosign generate-key-pair`
 * writes it, and checking a signature with one (ECDSA P-256 or RSA with SHA-256, Ed25519).
 *
 * @module
 */
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { ConfigError, errorCode, errorMessage } from "../errors.ts";

/** A key file is a few hundred bytes; more is not a public key. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
/** RSA keys shorter than this are refused (cosign's own minimum). */
const MIN_RSA_BITS = 2048;

/** A public key dewy accepts signatures from. */
export interface VerifyKey {
  /** The file it was read from, as given (how logs and `/api/status` name the key). */
  path: string;
  /** `ecdsa-p256`, `ed25519` or `rsa`. */
  type: "ecdsa-p256" | "ed25519" | "rsa";
  /** The key itself. */
  key: KeyObject;
  /** Hex sha256 of the key's SPKI DER (`cosign public-key` users compare it). */
  fingerprint: string;
  /** Base64 of the same digest: the `publicKey.hint` of a Sigstore bundle signed with it. */
  hint: string;
}

/**
 * Parse `pem` (from `path`) into a {@link VerifyKey}. Throws a `ConfigError` for
 * `--verify-key` naming the file when it is not a supported PEM public key.
 */
export function parseVerifyKey(path: string, pem: string): VerifyKey {
  const fail = (why: string) => new ConfigError("--verify-key", `--verify-key ${path}: ${why}`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw fail("this is a private key; give the public one (cosign.pub)");
  }
  if (!pem.includes("-----BEGIN PUBLIC KEY-----")) {
    throw fail("not a PEM public key (-----BEGIN PUBLIC KEY-----); give cosign.pub");
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (error) {
    throw fail(`cannot parse the public key (${errorMessage(error)})`);
  }
  const type = keyType(key, fail);
  const der = key.export({ type: "spki", format: "der" });
  const digest = createHash("sha256").update(der).digest();
  return { path, type, key, fingerprint: digest.toString("hex"), hint: digest.toString("base64") };
}

function keyType(key: KeyObject, fail: (why: string) => ConfigError): VerifyKey["type"] {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ec":
      if (details.namedCurve === "prime256v1" || details.namedCurve === "P-256") {
        return "ecdsa-p256";
      }
      throw fail(
        `ECDSA curve ${details.namedCurve} is not supported; use P-256 (cosign generate-key-pair)`,
      );
    case "ed25519":
      return "ed25519";
    case "rsa":
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw fail(`RSA key of ${details.modulusLength} bits is too short; use ${MIN_RSA_BITS}+`);
      }
      return "rsa";
    default:
      throw fail(
        `${key.asymmetricKeyType} keys are not supported; use ECDSA P-256 (cosign generate-key-pair), Ed25519 or RSA`,
      );
  }
}

/**
 * Read and parse every `--verify-key` file. Throws a `ConfigError` naming the file when one
 * cannot be read, is not a regular file or is not a supported public key.
 */
export function readVerifyKeys(paths: readonly string[]): VerifyKey[] {
  return paths.map((path) => parseVerifyKey(path, readKeyFile(path)));
}

function readKeyFile(path: string): string {
  const fail = (why: string) => new ConfigError("--verify-key", `--verify-key ${path}: ${why}`);
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_KEY_FILE_BYTES) {
      throw fail(`not a public key file (a regular file under ${MAX_KEY_FILE_BYTES} bytes)`);
    }
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw fail(`cannot read the file (${errorCode(error) ?? errorMessage(error)})`);
  }
}

/**
 * Whether `signature` over `data` verifies with `key`: ECDSA (ASN.1 DER, as cosign stores it)
 * and RSA PKCS#1 v1.5 over SHA-256, Ed25519 over the bytes themselves. The hash is named
 * because Deno's `node:crypto` has no default digest for EC keys.
 */
export function verifySignature(key: VerifyKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(key.type === "ed25519" ? null : "sha256", data, key.key, signature);
  } catch {
    return false; // a malformed signature (bad DER) is a signature that does not verify
  }
}

/** `path (sha256:fingerprint…)`, how messages name a key. */
export function describeKey(key: VerifyKey): string {
  return `${key.path} (sha256:${key.fingerprint.slice(0, 12)}…)`;
}
