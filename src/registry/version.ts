/**
 * Choosing the newest version among a repository's tags, by semver (default) or calver.
 *
 * @module
 */
import { compareCalver, compileCalver } from "./calver.ts";
import type { VersionConstraint } from "./constraint.ts";
import { compareSemver, parseSemver } from "./semver.ts";

/** How tags are read as versions. */
export interface VersionScheme {
  /** Calver format; empty = semantic versioning. */
  calver: string;
  /** Whether pre-release tags (`-rc.1`) are candidates. */
  preRelease: boolean;
  /** Only tags in this semver range are candidates (`constraint=`); absent = every version. */
  constraint?: VersionConstraint;
}

/** A parsed tag: what the two schemes have in common. */
interface Version {
  tag: string;
  build: string;
}

function pick<V extends Version>(
  tags: readonly string[],
  parse: (tag: string) => V | undefined,
  compare: (a: V, b: V) => number,
): V | undefined {
  let best: V | undefined;
  for (const tag of tags) {
    const v = parse(tag);
    if (v && (!best || compare(v, best) > 0)) best = v;
  }
  return best;
}

/**
 * The newest tag under `scheme` (inside its constraint), with its build metadata, or
 * `undefined` when no tag is a candidate. Tags that are not versions are ignored; among equal versions (`v1.0.0`,
 * `1.0.0+b2`) the first one in `tags` wins.
 */
export function selectLatest(
  tags: readonly string[],
  scheme: VersionScheme,
): { tag: string; build: string } | undefined {
  let best: Version | undefined;
  if (scheme.calver) {
    const parse = compileCalver(scheme.calver);
    best = pick(tags, (tag) => parse(tag, scheme.preRelease), compareCalver);
  } else {
    const { constraint, preRelease } = scheme;
    const parse = (tag: string) => {
      const v = parseSemver(tag, preRelease);
      return v && (!constraint || constraint.matches(tag, preRelease)) ? v : undefined;
    };
    best = pick(tags, parse, compareSemver);
  }
  return best && { tag: best.tag, build: best.build };
}
