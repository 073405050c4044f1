/**
 * `parseCommandLine`: the words after `dewy` into one {@link Command} for the entry point.
 *
 * @module
 */
import type { ContainerConfig } from "../config.ts";
import type { ServiceConfig } from "../service/config.ts";
import { ConfigError } from "../errors.ts";
import { buildContainerConfig, type ContainerInputs, parseAdminPort } from "./container-config.ts";
import type { ControlAction } from "./control-client.ts";
import { helpText } from "./help.ts";
import { type FlagValues, readFlags } from "./read-flags.ts";
import { buildServiceConfig, SERVICE_ONLY_FLAGS } from "./service-config.ts";

/**
 * What the command line asks dewy to do: `help` (print `text` on stdout, exit 0), `version`
 * (print the version, exit 0), `list` (run `listContainers({ adminPort })`, exit with its
 * code), `control` (run `runControlAction(action, { adminPort })`: status, pause, resume,
 * rollback, history), `container` (run container mode with `config`) or `service` (run
 * service mode with `config`).
 */
export type Command =
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "list"; adminPort: number }
  | { kind: "control"; action: ControlAction; adminPort: number }
  | { kind: "container"; config: ContainerConfig }
  | { kind: "service"; config: ServiceConfig };

/** The two modes: a container app behind dewy's proxy, or a Swarm service. */
type Mode = "container" | "service";

/** Options of {@link parseCommandLine} beyond the environment lookup. */
export type CommandLineOptions = Pick<ContainerInputs, "readFile" | "homeDir" | "uid">;

const USAGE =
  "dewy container --registry img://HOST/REPO --port PORT [flags] [-- docker-run-options]";
const SERVICE_USAGE = "dewy service --registry img://HOST/REPO --service NAME [flags]";

function listCommand(
  flags: FlagValues,
  extra: string[],
  passthrough: string[] | undefined,
): Command {
  const other = flags.names().find((name) => name !== "admin-port");
  if (other) {
    throw new ConfigError(
      `--${other}`,
      `flag --${other} does not apply to dewy container list (only --admin-port does)`,
    );
  }
  if (extra.length > 0 || passthrough !== undefined) {
    const word = extra[0] ?? "--";
    throw new ConfigError(
      word,
      `unexpected "${word}" after dewy container list; usage: dewy container list [--admin-port N]`,
    );
  }
  return { kind: "list", adminPort: parseAdminPort(flags) };
}

/** The commands that talk to a running dewy's admin API, with their usage (after the mode). */
const CONTROL_USAGE: Readonly<Record<ControlAction["action"], string>> = {
  status: "status [--admin-port N]",
  pause: "pause [--reason TEXT] [--admin-port N]",
  resume: "resume [--admin-port N]",
  rollback: "rollback [VERSION] [--reason TEXT] [--admin-port N]",
  history: "history [--admin-port N]",
};

function isControl(word: string): word is ControlAction["action"] {
  return Object.hasOwn(CONTROL_USAGE, word);
}

function controlCommand(
  mode: Mode,
  action: ControlAction["action"],
  flags: FlagValues,
  extra: string[],
  passthrough: string[] | undefined,
): Command {
  const usage = `dewy ${mode} ${CONTROL_USAGE[action]}`;
  const allowed = action === "pause" || action === "rollback" ? ["admin-port", "reason"] : [
    "admin-port",
  ];
  const other = flags.names().find((name) => !allowed.includes(name));
  if (other) {
    throw new ConfigError(`--${other}`, `flag --${other} does not apply here; usage: ${usage}`);
  }
  const versions = action === "rollback" ? 1 : 0;
  if (extra.length > versions || passthrough !== undefined) {
    const word = extra[versions] ?? "--";
    throw new ConfigError(
      word,
      `unexpected "${word}" after dewy ${mode} ${action}; usage: ${usage}`,
    );
  }
  const reason = flags.one("reason")?.trim() ?? "";
  const adminPort = parseAdminPort(flags);
  const chosen: ControlAction = action === "pause"
    ? { action, reason }
    : action === "rollback"
    ? { action, reason, ...(extra[0] !== undefined && { version: extra[0] }) }
    : { action };
  return { kind: "control", action: chosen, adminPort };
}

/**
 * `--version`/`-v` as the whole command line. Given with anything else it is an error: a
 * docker-style `-v /data:/data` before `--` would otherwise print the version and exit 0, which
 * a service manager restarts forever without a word about the real mistake.
 */
function versionCommand(args: string[]): Command {
  if (args.length === 1) return { kind: "version" };
  if (args.includes("--version")) {
    throw new ConfigError(
      "--version",
      "--version takes no other arguments: run dewy --version alone",
    );
  }
  throw new ConfigError(
    "-v",
    "-v is --version and takes no other arguments (run dewy -v alone); " +
      "docker's -v/--volume goes after --, e.g. -- -v /data:/data",
  );
}

/**
 * Parse the command line (`args` = the words after the program name).
 *
 * Commands: `container [flags] [-- docker-run-options]`, `container list [--admin-port N]`,
 * `container status|pause|resume|rollback|history` (see {@link CONTROL_USAGE}),
 * `--version`/`-v` (alone), `--help`/`-h` (anywhere). Flags may appear anywhere before `--`.
 * Throws a `ConfigError` whose one-line message names the bad flag or value and what to do;
 * the entry point prints `Error: <message>` and exits 2.
 *
 * @param args command-line words, e.g. `["container", "-r", "img://ghcr.io/o/app", "-p", "8080"]`
 * @param env environment lookup (notifier credentials, `-e NAME` passthrough)
 * @param options the home folder (default state directory), the uid (engine socket) and the
 *   `--env-file` reader
 * @example
 * ```ts
 * const command = parseCommandLine(runtime.args(), (name) => runtime.env(name), {
 *   homeDir: runtime.homeDir(),
 *   uid: runtime.uid(),
 * });
 * if (command.kind === "container") console.log(command.config.ports);
 * ```
 */
export function parseCommandLine(
  args: string[],
  env: (name: string) => string | undefined,
  options: CommandLineOptions,
): Command {
  const split = args.indexOf("--");
  const flags = readFlags(split < 0 ? args : args.slice(0, split));
  const passthrough = split < 0 ? undefined : args.slice(split + 1);
  if (flags.has("help")) return { kind: "help", text: helpText() };
  if (flags.has("version")) return versionCommand(args);
  const [command, sub, ...extra] = flags.positionals;
  if (command === undefined) {
    throw new ConfigError("command", `no command given; usage: ${USAGE} (see dewy --help)`);
  }
  if (command !== "container" && command !== "service") {
    throw new ConfigError(
      command,
      `unknown command "${command}"; the commands are container and service, e.g. ${USAGE}`,
    );
  }
  if (sub !== undefined && isControl(sub)) {
    return controlCommand(command, sub, flags, extra, passthrough);
  }
  if (command === "service") return serviceCommand(flags, sub, passthrough, { env, ...options });
  if (sub === "list") return listCommand(flags, extra, passthrough);
  if (sub !== undefined) {
    throw new ConfigError(
      sub,
      `unexpected "${sub}" after dewy container; docker run options go after --, the container command in --cmd`,
    );
  }
  const serviceOnly = SERVICE_ONLY_FLAGS.find((name) => flags.has(name));
  if (serviceOnly) {
    throw new ConfigError(
      `--${serviceOnly}`,
      `--${serviceOnly} belongs to dewy service, e.g. ${SERVICE_USAGE}`,
    );
  }
  return {
    kind: "container",
    config: buildContainerConfig(flags, passthrough ?? [], { env, ...options }),
  };
}

/** `dewy service [flags]`: a word after `service` that is not a control action is refused. */
function serviceCommand(
  flags: FlagValues,
  sub: string | undefined,
  passthrough: string[] | undefined,
  inputs: Parameters<typeof buildServiceConfig>[2],
): Command {
  if (sub !== undefined) {
    throw new ConfigError(
      sub,
      `unexpected "${sub}" after dewy service; usage: ${SERVICE_USAGE} ` +
        "(or dewy service status|pause|resume|rollback|history)",
    );
  }
  return { kind: "service", config: buildServiceConfig(flags, passthrough, inputs) };
}
