/**
 * The `docker run` options after `--`: the supported subset becomes {@link RunOptions};
 * options that would break dewy's management of containers, and options outside the
 * subset, are rejected with one line naming them.
 *
 * @module
 */
import type { RunOptions } from "../engine/types.ts";
import { ConfigError } from "../errors.ts";
import { readEnvFile } from "./env-file.ts";
import { redactEnvEntry } from "./redact.ts";
import { DEFAULT_ENGINE_SOCKETS } from "../engine/socket.ts";
import { RUN_OPTIONS, type RunOptionContext, type RunOptionSpec } from "./run-option-values.ts";
import { closest } from "./suggest.ts";

/**
 * Long `docker run` options refused: dewy does them itself (detach, publishing ports) or they
 * would hand the container the host (privileges, devices, namespaces).
 */
export const FORBIDDEN_LONG: readonly string[] = [
  "detach",
  "interactive",
  "tty",
  "publish",
  "publish-all",
  "label-file",
  "privileged",
  "pid",
  "cap-add",
  "security-opt",
  "device",
  "userns",
  "cgroupns",
];
/** Short options reserved by dewy: `-d -i -t -p -P`, alone or in clusters like `-dit`. */
export const FORBIDDEN_SHORT: readonly string[] = ["d", "i", "t", "p", "P"];

/** How the supported options are listed in messages and help: `-e/--env, --env-file, …`. */
export const SUPPORTED_RUN_OPTIONS: string = RUN_OPTIONS
  .map((o) =>
    [o.short && `-${o.short}`, `--${o.long}`, ...(o.aliases ?? []).map((a) => `--${a}`)]
      .filter(Boolean).join("/")
  )
  .join(", ");

const LONG_NAMES = RUN_OPTIONS.flatMap((o) => [o.long, ...(o.aliases ?? [])]);

const PUBLISH_HINT = "publish through dewy's proxy with --port PROXY:CONTAINER instead";
const DETACH_HINT = "dewy always runs containers detached";

/** What to say about a reserved option, where there is something better to say. */
const FORBIDDEN_HINTS: Record<string, string> = {
  "-p": PUBLISH_HINT,
  "--publish": PUBLISH_HINT,
  "-P": PUBLISH_HINT,
  "--publish-all": PUBLISH_HINT,
  "-d": DETACH_HINT,
  "--detach": DETACH_HINT,
};

function forbidden(option: string, word: string): ConfigError {
  const where = option === word ? option : `${option} (in ${word})`;
  const hint = FORBIDDEN_HINTS[option] ? `; ${FORBIDDEN_HINTS[option]}` : "";
  return new ConfigError(
    option,
    `option ${where} conflicts with dewy's management of containers and cannot be used${hint}`,
  );
}

function unsupported(option: string): ConfigError {
  const guess = option.startsWith("--") ? closest(option.slice(2), LONG_NAMES) : undefined;
  const hint = guess ? ` (did you mean --${guess}?)` : "";
  return new ConfigError(
    option,
    `option ${option} is not supported after --${hint}; supported: ${SUPPORTED_RUN_OPTIONS}`,
  );
}

interface Occurrence {
  spec: RunOptionSpec;
  /** The option as typed (`-e`, `--env`). */
  option: string;
  /** Value glued to the option (`--env=K=V`, `-eK=V`), if any. */
  inline?: string;
}

function classify(word: string): Occurrence {
  if (word.startsWith("--")) {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
    const option = `--${name}`;
    if (FORBIDDEN_LONG.includes(name)) throw forbidden(option, word);
    const spec = RUN_OPTIONS.find((o) => o.long === name || o.aliases?.includes(name));
    if (!spec) throw unsupported(option);
    return { spec, option, inline: eq < 0 ? undefined : word.slice(eq + 1) };
  }
  const letter = word[1];
  const option = `-${letter}`;
  if (FORBIDDEN_SHORT.includes(letter)) throw forbidden(option, word);
  const spec = RUN_OPTIONS.find((o) => o.short === letter);
  if (!spec) throw unsupported(option);
  const rest = word.slice(2);
  return { spec, option, inline: rest === "" ? undefined : rest.replace(/^=/, "") };
}

/** Options of {@link parsePassthrough}. */
export interface PassthroughOptions {
  /** Environment of dewy, for `-e NAME` and `--env-file` lines without `=`. */
  env: RunOptionContext["env"];
  /** Reads an `--env-file` (default: `readEnvFile`, regular files up to 1 MiB). */
  readFile?: RunOptionContext["readFile"];
  /** Engine sockets a `-v` may not mount (default: the engines' default paths). */
  engineSockets?: RunOptionContext["engineSockets"];
}

/**
 * Parse the words after `--` into {@link RunOptions}. Values may follow as the next word
 * (`--env K=V`, `-e K=V`) or be glued on (`--env=K=V`, `-eK=V`, `-e=K=V`). Throws a
 * `ConfigError` naming the option for a forbidden option (`--privileged`, `-dit`, …), an
 * unsupported one, a missing or bad value, or a word that is not an option.
 *
 * @example
 * ```ts
 * parsePassthrough(["-e", "MODE=prod", "--memory=512m"], { env: () => undefined });
 * // { env: ["MODE=prod"], memoryBytes: 536870912, binds: [], extraHosts: [], labels: {} }
 * ```
 */
export function parsePassthrough(words: string[], options: PassthroughOptions): RunOptions {
  const into: RunOptions = { env: [], binds: [], extraHosts: [], labels: {} };
  const readFile = options.readFile ?? readEnvFile;
  const engineSockets = options.engineSockets ?? DEFAULT_ENGINE_SOCKETS;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith("-") || word === "-" || word === "--") {
      throw new ConfigError(
        "--",
        `unexpected "${
          redactEnvEntry(word)
        }" after --: only docker run options go there (the image comes from --registry, its command from --cmd)`,
      );
    }
    const { spec, option, inline } = classify(word);
    const value = inline ?? words[++i];
    if (value === undefined) throw new ConfigError(option, `option ${option} needs a value`);
    spec.apply(value, { into, option, env: options.env, readFile, engineSockets });
  }
  return into;
}
