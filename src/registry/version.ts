/**
 * Choosing the newest version among a repository's tags, by semver (default) or calver.
 *
 * @module
 */
import { compareCalver, compileCalver } from "./calver.ts";
import { compareSemver, parseSemver } from "./semver.ts";

/** How tags are read as versions. */
export interface VersionScheme {
  /** Calver format; empty = semantic versioning. */
  calver: string;
  /** Whether pre-release tags (`-rc.1`) are candidates. */
  preRelease: boolean;
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
 * The newest tag under `scheme`, with its build metadata, or `undefined` when no tag is a
 * version. Tags that are not versions are ignored; among equal versions (`v1.0.0`,
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
    best = pick(tags, (tag) => parseSemver(tag, scheme.preRelease), compareSemver);
  }
  return best && { tag: best.tag, build: best.build };
}
