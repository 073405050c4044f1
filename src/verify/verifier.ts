/**
 * The signature gate of the deploy loop: a verdict per digest, remembered, so a refused
 * digest is neither fetched nor reported again until its signature tags change.
 *
 * @module
 */
import type { VerifyKey } from "./keys.ts";
import { type ImageToVerify, verifyImage } from "./lookup.ts";
import type { SignatureSource, Verdict } from "./types.ts";

/** Verdicts remembered, the newest digests seen; one evicted is verified again if it returns. */
const VERDICTS_KEPT = 32;

/** A verdict, and whether it was already known (then nothing was fetched). */
export interface CheckedImage {
  /** Signed by a key, or why not. */
  verdict: Verdict;
  /** The verdict was remembered from an earlier check; report it only when false. */
  known: boolean;
}

/**
 * Verifies digests against the `--verify-key` keys.
 *
 * @example
 * ```ts
 * const verifier = new SignatureVerifier(readVerifyKeys(["cosign.pub"]), registry);
 * const { verdict, known } = await verifier.check({ digest, tags }, signal);
 * if (!verdict.signed && !known) logger.error("…", { problems: verdict.problems });
 * ```
 */
export class SignatureVerifier {
  /** The keys any one of which may sign. */
  readonly keys: readonly VerifyKey[];
  readonly #source: SignatureSource;
  readonly #verdicts = new Map<string, { verdict: Verdict; basis: string }>();

  /** @param keys at least one key @param source the registry reads */
  constructor(keys: readonly VerifyKey[], source: SignatureSource) {
    if (keys.length === 0) throw new RangeError("SignatureVerifier needs at least one key");
    this.keys = keys;
    this.#source = source;
  }

  /**
   * The verdict of `image.digest`. A remembered verdict is reused; an unsigned one only while
   * the repository's signature tags for it stay the same (a signature pushed later is seen).
   * Rejects with a `RegistryError` when the registry fails (nothing is remembered then).
   */
  async check(image: ImageToVerify, signal?: AbortSignal): Promise<CheckedImage> {
    const basis = signatureTags(image);
    const known = this.#verdicts.get(image.digest);
    if (known && (known.verdict.signed || known.basis === basis)) {
      return { verdict: known.verdict, known: true };
    }
    const verdict = await verifyImage(this.#source, this.keys, image, signal);
    this.#verdicts.delete(image.digest);
    this.#verdicts.set(image.digest, { verdict, basis });
    if (this.#verdicts.size > VERDICTS_KEPT) {
      this.#verdicts.delete(this.#verdicts.keys().next().value!);
    }
    return { verdict, known: false };
  }

  /** The remembered verdict of `digest`, if any. */
  verdict(digest: string): Verdict | undefined {
    return this.#verdicts.get(digest)?.verdict;
  }
}

/** Which of the digest's signature tags the listing showed (`?` when no listing was given). */
function signatureTags(image: ImageToVerify): string {
  if (!image.tags) return "?";
  const tag = `sha256-${image.digest.slice("sha256:".length)}`;
  return `${image.tags.includes(`${tag}.sig`)}/${image.tags.includes(tag)}`;
}
