/**
 * `constraint=RANGE` of an `img://` URL: the semver range (npm's syntax, parsed by npm's own
 * `semver` package) that limits which tags are candidates. Ordering stays dewy's SemVer 2
 * precedence (`semver.ts`): npm's parser rejects version numbers above 2^53-1, which SemVer 2
 * and dewy accept (`constraint.test.ts` shows the difference).
 *
 * @module
 */
import semver from "semver";
import { ConfigError } from "../errors.ts";

/** A parsed `constraint=` range. */
export interface VersionConstraint {
  /** The range as written in the URL (`^1.4`). */
  readonly text: string;
  /** Whether `tag` (optional `v` prefix) lies in the range; pre-releases only when asked. */
  matches(tag: string, preRelease: boolean): boolean;
}

/**
 * Parse `range` (npm range syntax: `^1.4`, `~1.4.2`, `1.x`, `>=1.2.0 <2`, `1.2.3 || 1.3.x`).
 * Throws a `ConfigError` (flag `--registry`) naming the range when it does not parse.
 *
 * @example
 * ```ts
 * parseConstraint("^1.4", url).matches("v1.5.0", false); // true
 * ```
 */
export function parseConstraint(range: string, url: string): VersionConstraint {
  const text = range.trim();
  // An empty range means "any version" to npm; in a URL it is a mistake, not a wish.
  if (text === "" || semver.validRange(text) === null) {
    throw new ConfigError(
      "--registry",
      `invalid registry URL "${url}": constraint "${range}" is not a semver range ` +
        "(npm syntax, e.g. ^1.4, ~1.4.2, 1.x, >=1.2.0 <2, 1.2.3 || 1.3.x)",
    );
  }
  const parsed = new semver.Range(text);
  return {
    text,
    matches(tag, preRelease) {
      const version = semver.valid(tag);
      return version !== null &&
        semver.satisfies(version, parsed, { includePrerelease: preRelease });
    },
  };
}
