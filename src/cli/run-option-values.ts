/**
 * Value parsers of the `docker run` options dewy supports after `--`: each checks one value
 * the way docker does and stores it in {@link RunOptions}.
 *
 * @module
 */
import type { RunOptions } from "../engine/types.ts";
import { ConfigError } from "../errors.ts";
import { EnvFileError } from "./env-file.ts";
import { hostControlMount } from "./host-mounts.ts";
import { redactEnvEntry } from "./redact.ts";

/** What the option parsers may read besides the value. */
export interface RunOptionContext {
  /** Environment of dewy (`-e NAME` and `NAME` lines of `--env-file` copy from it). */
  env: (name: string) => string | undefined;
  /** Reads an `--env-file` as UTF-8 text. */
  readFile: (path: string) => string;
  /** The host's engine sockets (`hostEngineSockets`): a bind of one is refused. */
  engineSockets: readonly string[];
}

/** One option occurrence being applied: where it goes and how the user wrote it. */
export interface RunOptionTarget extends RunOptionContext {
  /** The options parsed so far; the parser adds to it. */
  into: RunOptions;
  /** The option as typed (`-e`, `--env`), for messages. */
  option: string;
}

/** One supported `docker run` option. */
export interface RunOptionSpec {
  /** Long name without dashes (`env`). */
  readonly long: string;
  /** Other long names (`net` for `network`). */
  readonly aliases?: readonly string[];
  /** Short letter (`e`), if any. */
  readonly short?: string;
  /** Check `value` and store it into `target.into`; throws a `ConfigError` naming the option. */
  apply(value: string, target: RunOptionTarget): void;
}

/** Docker's rule for container names (and dewy's app names built into them). */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const VOLUME_MODES = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "nocopy",
  "shared",
  "rshared",
  "slave",
  "rslave",
  "private",
  "rprivate",
  "consistent",
  "cached",
  "delegated",
]);
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
};
/** Docker's smallest memory limit. */
const MIN_MEMORY_BYTES = 6 * 2 ** 20;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const USER = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?$/;

/** An IPv6 address: eight hex groups, one `::` for a run of zeros, an IPv4 tail allowed. */
function isIPv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const all = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  const last = all.at(-1);
  const ipv4Tail = last !== undefined && IPV4.test(last);
  const hex = ipv4Tail ? all.slice(0, -1) : all;
  if (!hex.every((g) => HEX_GROUP.test(g))) return false;
  const width = hex.length + (ipv4Tail ? 2 : 0);
  return halves.length === 2 ? width < 8 : width === 8;
}

/** Integers beyond this lose precision in JSON and overflow the engine's int64 fields. */
const LARGEST_NUMBER = Number.MAX_SAFE_INTEGER;

function bad(option: string, value: string, problem: string): never {
  throw new ConfigError(option, `option ${option} "${value}": ${problem}`);
}

/** `NAME=VALUE` as given, `NAME` copied from dewy's environment (`undefined` when unset). */
function envEntry(
  entry: string,
  env: RunOptionContext["env"],
  reject: (problem: string) => never,
): string | undefined {
  const eq = entry.indexOf("=");
  const name = eq < 0 ? entry : entry.slice(0, eq);
  if (name === "" || /\s/.test(name)) reject("needs a variable name without spaces: NAME=VALUE");
  if (eq >= 0) return entry;
  const inherited = env(name);
  return inherited === undefined ? undefined : `${name}=${inherited}`;
}

function addEnv(value: string, { into, option, env }: RunOptionTarget): void {
  const entry = envEntry(value, env, (problem) => bad(option, redactEnvEntry(value), problem));
  if (entry !== undefined) into.env.push(entry);
}

function addEnvFile(path: string, { into, option, env, readFile }: RunOptionTarget): void {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    if (error instanceof EnvFileError) {
      return bad(option, path, `${error.message}; give a file of NAME=VALUE lines`);
    }
    return bad(option, path, `cannot be read (${(error as Error).message}); check the path`);
  }
  text.split(/\r?\n/).forEach((line, index) => {
    const entry = line.trimStart();
    if (entry === "" || entry.startsWith("#")) return;
    const value = envEntry(
      entry,
      env,
      (problem) => bad(option, path, `line ${index + 1} "${redactEnvEntry(entry)}" ${problem}`),
    );
    if (value !== undefined) into.env.push(value);
  });
}

function addVolume(value: string, { into, option, engineSockets }: RunOptionTarget): void {
  const [source, target, mode, ...rest] = value.split(":");
  if (target === undefined || rest.length > 0) {
    bad(option, value, "write SOURCE:TARGET[:MODE], e.g. /srv/data:/data:ro");
  }
  if (!source.startsWith("/") && !VOLUME_NAME.test(source)) {
    bad(option, value, `source "${source}" must be an absolute host path or a volume name`);
  }
  if (!target.startsWith("/")) {
    bad(option, value, `target "${target}" must be an absolute path in the container`);
  }
  const hostControl = hostControlMount(source, engineSockets);
  if (hostControl) {
    bad(
      option,
      value,
      `${hostControl}, which hands the container the host like --privileged; mount only what the app needs`,
    );
  }
  const unknown = mode?.split(",").find((m) => !VOLUME_MODES.has(m));
  if (unknown !== undefined) {
    bad(option, value, `mode "${unknown}" is not one of ${[...VOLUME_MODES].join(", ")}`);
  }
  into.binds.push(value);
}

function setRestart(value: string, { into, option }: RunOptionTarget): void {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(value);
  if (!m || (m[2] !== undefined && m[1] !== "on-failure")) {
    bad(option, value, "must be no, always, unless-stopped or on-failure[:MAX_RETRIES]");
  }
  if (m[2] !== undefined && Number(m[2]) > LARGEST_NUMBER) {
    bad(option, value, `MAX_RETRIES must be at most ${LARGEST_NUMBER}`);
  }
  into.restart = m[2] === undefined
    ? { name: m[1] }
    : { name: m[1], maximumRetryCount: Number(m[2]) };
}

function setMemory(value: string, { into, option }: RunOptionTarget): void {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) bad(option, value, "must be a size like 512m or 1.5g (units b, k, m, g, t)");
  const bytes = Math.floor(Number(m[1]) * MEMORY_UNITS[m[2].toLowerCase()]);
  if (bytes < MIN_MEMORY_BYTES) bad(option, value, "must be at least 6m (docker's minimum)");
  if (bytes > LARGEST_NUMBER) bad(option, value, "is larger than any memory limit docker takes");
  into.memoryBytes = bytes;
}

function setCpus(value: string, { into, option }: RunOptionTarget): void {
  const nano = /^\d+(?:\.\d+)?$/.test(value.trim()) ? Math.round(Number(value) * 1e9) : 0;
  if (nano <= 0) bad(option, value, "must be a number of CPUs greater than 0, e.g. 0.5 or 2");
  if (nano > LARGEST_NUMBER) bad(option, value, "is more CPUs than docker can limit to");
  into.nanoCpus = nano;
}

function setNetwork(value: string, { into, option }: RunOptionTarget): void {
  if (value === "") bad(option, value, "needs a network name");
  // Podman's ns:PATH joins another network namespace, as host joins the host's.
  if (
    value === "host" || value === "none" || value.startsWith("container:") ||
    value.startsWith("ns:")
  ) {
    bad(
      option,
      value,
      "conflicts with dewy publishing each replica on a 127.0.0.1 port; use a bridge or user-defined network",
    );
  }
  into.network = value;
}

function setWorkdir(value: string, { into, option }: RunOptionTarget): void {
  if (!value.startsWith("/")) bad(option, value, "must be an absolute path in the container");
  into.workdir = value;
}

function setUser(value: string, { into, option }: RunOptionTarget): void {
  if (!USER.test(value)) bad(option, value, "must be USER, UID, USER:GROUP or UID:GID");
  into.user = value;
}

function addHost(value: string, { into, option }: RunOptionTarget): void {
  const m = /^([^:=\s]+)[:=](.+)$/.exec(value);
  const ip = (m?.[2] ?? "").replace(/^\[(.*)\]$/, "$1");
  if (!m || !(ip === "host-gateway" || IPV4.test(ip) || isIPv6(ip))) {
    bad(option, value, "write HOST:IP with an IPv4/IPv6 address or host-gateway, e.g. db:10.0.0.5");
  }
  into.extraHosts.push(`${m[1]}:${ip}`);
}

function addLabel(value: string, { into, option }: RunOptionTarget): void {
  const eq = value.indexOf("=");
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key === "") bad(option, value, "needs a key: KEY=VALUE");
  if (key.toLowerCase().startsWith("dewy.")) {
    bad(option, value, `label "${key}" uses the reserved prefix dewy.; choose another key`);
  }
  into.labels[key] = eq < 0 ? "" : value.slice(eq + 1);
}

function setName(value: string, { into, option }: RunOptionTarget): void {
  if (!CONTAINER_NAME.test(value)) {
    bad(option, value, "must start with a letter or digit and use only a-z A-Z 0-9 _ . -");
  }
  into.name = value;
}

/** The supported subset of `docker run` options, in the order the help text lists them. */
export const RUN_OPTIONS: readonly RunOptionSpec[] = [
  { long: "env", short: "e", apply: addEnv },
  { long: "env-file", apply: addEnvFile },
  { long: "volume", short: "v", apply: addVolume },
  { long: "restart", apply: setRestart },
  { long: "memory", short: "m", apply: setMemory },
  { long: "cpus", apply: setCpus },
  { long: "network", aliases: ["net"], apply: setNetwork },
  { long: "entrypoint", apply: (value, { into }) => void (into.entrypoint = [value]) },
  { long: "workdir", short: "w", apply: setWorkdir },
  { long: "user", short: "u", apply: setUser },
  { long: "add-host", apply: addHost },
  { long: "label", short: "l", apply: addLabel },
  { long: "name", apply: setName },
];
