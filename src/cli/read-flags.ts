/**
 * Reads the words before `--` into flag values and positional words with `node:util`
 * `parseArgs`, rejecting unknown flags, missing values and values given to switches.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../errors.ts";
import { flagByName, FLAGS, type FlagSpec, RETIRED_FLAGS } from "./flags.ts";
import { closest } from "./suggest.ts";

/** Flags and positional words of one command line, not yet validated for meaning. */
export class FlagValues {
  /** Words that are not flags (`container`, `list`), in order. */
  readonly positionals: string[] = [];
  readonly #values = new Map<string, string[]>();

  /** Record one occurrence of a flag (`true` for a switch). */
  add(name: string, value: string): void {
    const list = this.#values.get(name) ?? [];
    list.push(value);
    this.#values.set(name, list);
  }

  /** Whether the flag was given at all. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** Every value given to a repeatable flag, in order. */
  all(name: string): string[] {
    return this.#values.get(name) ?? [];
  }

  /**
   * The value of a flag that takes one value, `undefined` when absent. Throws a `ConfigError`
   * when it was given more than once (`-r A -r B` would otherwise silently deploy B).
   */
  one(name: string): string | undefined {
    const values = this.#values.get(name);
    if (values && values.length > 1) {
      const short = flagByName(name)?.short;
      throw new ConfigError(
        `--${name}`,
        `flag --${name}${short ? ` (-${short})` : ""} is given ${values.length} times; ` +
          "it takes one value, give it once",
      );
    }
    return values?.[0];
  }

  /** Long names of every flag given, in first-seen order. */
  names(): string[] {
    return [...this.#values.keys()];
  }
}

const PARSE_OPTIONS = Object.fromEntries(
  FLAGS.map((
    flag,
  ) => [flag.name, flag.short ? { type: flag.type, short: flag.short } : { type: flag.type }]),
);

function unknownFlag(raw: string, word: string): ConfigError {
  const where = raw === word ? raw : `${raw} (in ${word})`;
  const name = raw.slice(2);
  const retired = raw.startsWith("--") && Object.hasOwn(RETIRED_FLAGS, name)
    ? RETIRED_FLAGS[name]
    : undefined;
  if (retired) {
    return new ConfigError(
      raw,
      `flag ${raw} is not supported by dewy container (${retired}); remove it`,
    );
  }
  const guess = raw.startsWith("--") ? closest(name, FLAGS.map((f) => f.name)) : undefined;
  const hint = guess ? `did you mean --${guess}?` : "see dewy --help for the flags";
  return new ConfigError(raw, `unknown flag ${where}; ${hint}`);
}

function flagValue(
  spec: FlagSpec,
  raw: string,
  value: string | undefined,
  inline: boolean,
): string {
  if (value === undefined) {
    throw new ConfigError(`--${spec.name}`, `flag ${raw} needs a value, e.g. ${raw} ${spec.arg}`);
  }
  if (!inline && value.startsWith("-") && value !== "-" && !/^-\d/.test(value)) {
    throw new ConfigError(
      `--${spec.name}`,
      `flag ${raw} needs a value but is followed by ${value}; write --${spec.name}=${value} if that is the value`,
    );
  }
  // `-p=8080` means the value 8080, as in docker and go-flags.
  return inline && !raw.startsWith("--") && value.startsWith("=") ? value.slice(1) : value;
}

/**
 * Read `words` (the command line before any `--`). Throws a `ConfigError` naming the flag
 * for an unknown flag (with a suggestion), a flag without its value, or a switch given a value.
 */
export function readFlags(words: string[]): FlagValues {
  const { tokens } = parseArgs({
    args: words,
    options: PARSE_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const result = new FlagValues();
  for (const token of tokens) {
    if (token.kind === "positional") {
      result.positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = flagByName(token.name);
    const raw = token.rawName;
    if (!spec) throw unknownFlag(raw, words[token.index]);
    if (spec.type === "boolean") {
      if (token.value !== undefined) {
        throw new ConfigError(
          `--${spec.name}`,
          `flag ${raw} is a switch and takes no value (got "${token.value}"); leave it out for off`,
        );
      }
      result.add(spec.name, "true");
      continue;
    }
    result.add(spec.name, flagValue(spec, raw, token.value, token.inlineValue === true));
  }
  return result;
}
