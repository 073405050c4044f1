/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1): one or more challenges, each a scheme and
 * `name=value` parameters whose values may be quoted strings containing commas and escapes
 * (`scope="repository:a/b:pull,push"`).
 *
 * @module
 */

/** One authentication challenge. */
export interface Challenge {
  /** Scheme in lower case: `bearer`, `basic`, … */
  scheme: string;
  /** Parameters by lower-case name (`realm`, `service`, `scope`, `error`). */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SEPARATORS = /[ \t,]*/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const PARAM_NAME = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*/y;

/** Match `re` (sticky) at `state.at`, advancing past it; `undefined` when it does not match there. */
function take(re: RegExp, header: string, state: { at: number }): RegExpExecArray | undefined {
  re.lastIndex = state.at;
  const m = re.exec(header);
  if (!m) return undefined;
  state.at = re.lastIndex;
  return m;
}

/** Every challenge in a `WWW-Authenticate` header value, in order. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const state = { at: 0 };
  while (state.at < header.length) {
    take(SEPARATORS, header, state);
    const scheme = take(TOKEN, header, state);
    if (!scheme) break;
    const params: Record<string, string> = {};
    for (;;) {
      take(SEPARATORS, header, state);
      const name = take(PARAM_NAME, header, state);
      if (!name) break;
      const quoted = take(QUOTED, header, state);
      const value = quoted
        ? quoted[1].replace(/\\(.)/g, "$1")
        : take(TOKEN, header, state)?.[0] ?? "";
      params[name[1].toLowerCase()] = value;
    }
    challenges.push({ scheme: scheme[0].toLowerCase(), params });
  }
  return challenges;
}
