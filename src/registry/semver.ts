/**
 * Semantic Versioning 2.0.0 tags (`v1.2.3`, `1.2.3-rc.1+build.5`) and their precedence
 * (semver.org §11). A leading `v` and build metadata never affect the order.
 *
 * @module
 */

/** A tag parsed as a semantic version. */
export interface SemVer {
  /** The tag as listed by the registry. */
  tag: string;
  /** `[major, minor, patch]` as digit strings without leading zeros (any size). */
  core: [string, string, string];
  /** Dot-separated pre-release identifiers; empty for a release. */
  preRelease: string[];
  /** Build metadata after `+` (empty when absent); ignored for ordering. */
  build: string;
}

const NUMBER = "0|[1-9]\\d*";
const PRE_ID = "0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*";
const BUILD_ID = "[0-9A-Za-z-]+";
const SEMVER = new RegExp(
  `^v?(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-((?:${PRE_ID})(?:\\.(?:${PRE_ID}))*))?` +
    `(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);
const NUMERIC = /^\d+$/;

/**
 * Parse `tag` as a semantic version, or `undefined` when it is not one. Pre-release tags
 * parse only when `preRelease` is true (the `pre-release=true` query parameter).
 */
export function parseSemver(tag: string, preRelease: boolean): SemVer | undefined {
  const m = SEMVER.exec(tag);
  if (!m || (m[4] !== undefined && !preRelease)) return undefined;
  return { tag, core: [m[1], m[2], m[3]], preRelease: m[4]?.split(".") ?? [], build: m[5] ?? "" };
}

/** Compare two non-negative integers written as digit strings (leading zeros allowed). */
export function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * SemVer §11 order of two pre-release identifier lists: a release (empty list) outranks any
 * pre-release; numeric identifiers compare numerically and rank below alphanumeric ones,
 * alphanumerics compare in ASCII order; a shorter list loses when all shared fields are equal.
 */
export function comparePreRelease(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return Math.sign(b.length - a.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const an = NUMERIC.test(a[i]);
    const bn = NUMERIC.test(b[i]);
    let c: number;
    if (an && bn) c = compareDigits(a[i], b[i]);
    else if (an !== bn) c = an ? -1 : 1;
    else c = a[i] < b[i] ? -1 : a[i] > b[i] ? 1 : 0;
    if (c !== 0) return c;
  }
  return Math.sign(a.length - b.length);
}

/** SemVer precedence of two versions: negative when `a` is older, 0 when equal, positive when newer. */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (let i = 0; i < 3; i++) {
    const c = compareDigits(a.core[i], b.core[i]);
    if (c !== 0) return c;
  }
  return comparePreRelease(a.preRelease, b.preRelease);
}
