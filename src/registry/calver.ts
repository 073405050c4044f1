/**
 * Calendar-versioned tags (`--calver`, `calver=` query parameter): a format of tokens
 * (`YYYY.0M.0D`, `YY.MM.MICRO`, …) and literals, with an optional `v` prefix, `-PRE`
 * pre-release and `+BUILD` metadata. Tags order by their token values left to right.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { compareDigits, comparePreRelease } from "./semver.ts";

/** A tag parsed against a calver format. */
export interface CalVer {
  /** The tag as listed by the registry. */
  tag: string;
  /** The digits matched by each token, in format order. */
  segments: string[];
  /** Dot-separated pre-release identifiers; empty for a release. */
  preRelease: string[];
  /** Build metadata after `+` (empty when absent); ignored for ordering. */
  build: string;
}

/** Parses tags against one compiled format; `undefined` for tags that do not match. */
export type CalverParser = (tag: string, preRelease: boolean) => CalVer | undefined;

/** Format tokens and what each matches, longest token first (the order they are tried). */
const TOKENS: ReadonlyArray<[string, string]> = [
  ["MICRO", "\\d+"],
  ["YYYY", "\\d{4}"],
  ["0Y", "\\d{2,3}"],
  ["YY", "\\d{1,3}"],
  ["0M", "0[1-9]|1[0-2]"],
  ["MM", "1[0-2]|[1-9]"],
  ["0W", "0[1-9]|[1-4]\\d|5[0-3]"],
  ["WW", "[1-4]\\d|5[0-3]|[1-9]"],
  ["0D", "0[1-9]|[12]\\d|3[01]"],
  ["DD", "[12]\\d|3[01]|[1-9]"],
];
const TOKEN_NAMES = TOKENS.map(([name]) => name).join(", ");
/** Characters a literal may use: those allowed in an image tag. */
const LITERAL = /^[A-Za-z0-9_.-]$/;
const IDS = "[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*";

/** The regular expression source of `format` (one capture group per token), or a ConfigError. */
function formatSource(format: string): { source: string; tokens: number } {
  let source = "";
  let tokens = 0;
  for (let i = 0; i < format.length;) {
    const token = TOKENS.find(([name]) => format.startsWith(name, i));
    if (token) {
      source += `(${token[1]})`;
      tokens++;
      i += token[0].length;
      continue;
    }
    if (!LITERAL.test(format[i])) {
      throw new ConfigError(
        "--calver",
        `invalid calver format "${format}": "${format[i]}" cannot appear in an image tag`,
      );
    }
    source += format[i].replace(/[.]/g, "\\.");
    i++;
  }
  if (tokens === 0) {
    throw new ConfigError(
      "--calver",
      `invalid calver format "${format}": use at least one of ${TOKEN_NAMES}`,
    );
  }
  return { source, tokens };
}

/** Throw a `ConfigError` naming `format` unless it is a usable calver format. */
export function validateCalverFormat(format: string): void {
  formatSource(format);
}

/** Compile `format` (validated, see {@link validateCalverFormat}) into a tag parser. */
export function compileCalver(format: string): CalverParser {
  const { source, tokens } = formatSource(format);
  const pattern = new RegExp(`^v?(?:${source})(?:-(${IDS}))?(?:\\+(${IDS}))?$`);
  return (tag, preRelease) => {
    const m = pattern.exec(tag);
    if (!m) return undefined;
    const pre = m[tokens + 1];
    if (pre !== undefined && !preRelease) return undefined;
    return {
      tag,
      segments: m.slice(1, tokens + 1),
      preRelease: pre?.split(".") ?? [],
      build: m[tokens + 2] ?? "",
    };
  };
}

/** Calver order: token values left to right, then a release above its pre-releases (SemVer §11). */
export function compareCalver(a: CalVer, b: CalVer): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const c = compareDigits(a.segments[i], b.segments[i]);
    if (c !== 0) return c;
  }
  return comparePreRelease(a.preRelease, b.preRelease);
}
