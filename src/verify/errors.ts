/**
 * The error of a version refused for its signature.
 *
 * @module
 */

/** A version is not deployed: no valid signature by a `--verify-key` key covers its digest. */
export class SignatureRejectedError extends Error {
  /** The tag found (`v1.2.0`). */
  readonly version: string;
  /** The digest refused. */
  readonly digest: string;
  /** What was missing or wrong, one entry per place looked at. */
  readonly problems: readonly string[];
  /** @param version the tag @param digest its digest @param problems what was missing or wrong */
  constructor(version: string, digest: string, problems: readonly string[]) {
    super(
      `version ${version} (${digest}) not deployed: no valid signature by a --verify-key key: ` +
        `${problems.join("; ")}; sign this digest with cosign or push a signed version`,
    );
    this.name = "SignatureRejectedError";
    this.version = version;
    this.digest = digest;
    this.problems = problems;
  }
}
