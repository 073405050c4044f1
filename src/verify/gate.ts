/**
 * Signature verification as the deploy loop uses it: a version may be deployed only when a
 * `--verify-key` key signed its digest. A refusal is logged, notified and counted once per
 * digest; the key that signed what runs is shown in `/api/status`.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Notifier } from "../notify/types.ts";
import { SignatureRejectedError } from "./errors.ts";
import type { ImageToVerify } from "./lookup.ts";
import type { VerifyKey } from "./keys.ts";
import type { SignatureSource } from "./types.ts";
import { SignatureVerifier } from "./verifier.ts";

/** Options of {@link SignatureGate}. */
export interface SignatureGateOptions {
  /** Verifies digests against the keys. */
  verifier: SignatureVerifier;
  /** Where refusals and verified signatures are logged. */
  logger: Logger;
  /** Where refusals are sent; omit for none. */
  notifier?: Notifier;
  /** Counts a refused version in `dewy.deployment.errors.total`; omit when telemetry is off. */
  observer?: { deploymentFailed(): void };
}

/** What `/api/status` shows about verification. */
export interface VerificationStatus {
  /** Always true: without `--verify-key` there is no gate and no such status. */
  enabled: true;
  /** The keys any one of which may sign: file and sha256 of the key. */
  keys: { path: string; fingerprint: string }[];
  /** The signature of the running version, when it was verified in this process. */
  signedBy?: { path: string; fingerprint: string; format: string; location: string };
}

/** A version to deploy: its tag and the digest that will run. */
export interface VersionToVerify extends ImageToVerify {
  /** The tag (`v1.2.0`). */
  tag: string;
}

/** The deploy loop's check of signatures. */
export class SignatureGate {
  readonly #options: SignatureGateOptions;

  /** @param options verifier, logger, notifier, telemetry */
  constructor(options: SignatureGateOptions) {
    this.#options = options;
  }

  /**
   * `undefined` when `image` may be deployed, else why not. The first refusal of a digest is
   * logged as an error, notified and counted; later ones of the same digest are silent.
   * Rejects with a `RegistryError` when the registry fails (nothing is decided then).
   */
  async refusal(
    image: VersionToVerify,
    signal?: AbortSignal,
  ): Promise<SignatureRejectedError | undefined> {
    const { verifier, logger, notifier, observer } = this.#options;
    const { verdict, known } = await verifier.check(image, signal);
    if (verdict.signed) {
      if (!known) {
        logger.info("Signature verified", {
          version: image.tag,
          digest: image.digest,
          key: verdict.key.path,
          format: verdict.format,
          location: verdict.location,
        });
      }
      return undefined;
    }
    const error = new SignatureRejectedError(image.tag, image.digest, verdict.problems);
    if (known) {
      logger.debug("Version still refused: no valid signature", { version: image.tag });
      return error;
    }
    logger.error("Version refused: no valid signature by a --verify-key key", {
      version: image.tag,
      digest: image.digest,
      problems: verdict.problems.join("; "),
    });
    observer?.deploymentFailed();
    void notifier?.sendError(error);
    return error;
  }

  /**
   * Verify the version that already runs (adopted at start-up) once, so `/api/status` can
   * name its key; without a valid signature it keeps running and one warning says so.
   * Rejects with a `RegistryError` when the registry fails (it is tried again next time).
   */
  async auditRunning(image: VersionToVerify, signal?: AbortSignal): Promise<void> {
    const { verifier, logger } = this.#options;
    if (verifier.verdict(image.digest)) return;
    const { verdict } = await verifier.check(image, signal);
    if (verdict.signed) return;
    logger.warn(
      "The running version has no valid signature by a --verify-key key; it keeps running",
      {
        version: image.tag,
        digest: image.digest,
        problems: verdict.problems.join("; "),
      },
    );
  }

  /** Verification as `/api/status` shows it, for the running `digest`. */
  status(digest: string | undefined): VerificationStatus {
    const { verifier } = this.#options;
    const keys = verifier.keys.map(({ path, fingerprint }) => ({ path, fingerprint }));
    const verdict = digest ? verifier.verdict(digest) : undefined;
    if (!verdict?.signed) return { enabled: true, keys };
    const { key, format, location } = verdict;
    return {
      enabled: true,
      keys,
      signedBy: { path: key.path, fingerprint: key.fingerprint, format, location },
    };
  }
}

/**
 * The gate of `--verify-key`: `keys` checked against the signatures `source` holds; logs the
 * keys in use.
 */
export function createSignatureGate(
  keys: readonly VerifyKey[],
  options: Omit<SignatureGateOptions, "verifier"> & { source: SignatureSource },
): SignatureGate {
  const { source, ...rest } = options;
  rest.logger.info("Signature verification on", {
    keys: keys.map((k) => `${k.path} sha256:${k.fingerprint}`).join(", "),
  });
  return new SignatureGate({ verifier: new SignatureVerifier(keys, source), ...rest });
}
