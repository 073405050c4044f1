/**
 * The dewy command line as a runtime-neutral program: parse, dispatch, map failures to exit
 * codes (2 = bad input, 1 = runtime failure, 0 = success). The entry points in
 * `src/entries/*.ts` call {@link main} with their adapter.
 *
 * @module
 */
import type { Runtime } from "./runtime/types.ts";
import { listContainers, parseCommandLine, runControlAction } from "./cli/mod.ts";
import { ConfigError, errorMessage } from "./errors.ts";
import { VERSION } from "./version.ts";
import { runContainer } from "./container/run.ts";
import { runService } from "./service/run.ts";
import { keepLoopbackOffProxies } from "./cli/no-proxy.ts";
import { type LogFormat, Logger } from "./log.ts";

/** Run the CLI with `runtime`'s arguments; resolves with the process exit code. */
export async function main(runtime: Runtime): Promise<number> {
  keepLoopbackOffProxies(runtime);
  // Read before parsing, so that a bad flag next to `-f json` is reported as a record too.
  let logFormat: LogFormat = asksForJsonLogs(runtime.args()) ? "json" : "text";
  try {
    const command = parseCommandLine(runtime.args(), (name) => runtime.env(name), {
      homeDir: runtime.homeDir(),
      uid: runtime.uid(),
    });
    if (command.kind === "container" || command.kind === "service") {
      logFormat = command.config.log.format;
    }
    switch (command.kind) {
      case "help":
        console.log(command.text);
        return 0;
      case "version":
        console.log(`dewy version: ${VERSION} (${runtime.name} ${runtime.version})`);
        return 0;
      case "list":
        return await listContainers({
          adminPort: command.adminPort,
          write: (line) => console.log(line),
          writeError: (line) => console.error(line),
        });
      case "control":
        return await runControlAction(command.action, {
          adminPort: command.adminPort,
          write: (line) => console.log(line),
          writeError: (line) => console.error(line),
        });
      case "container":
        return await runContainer(runtime, command.config);
      case "service":
        return await runService(runtime, command.config);
    }
  } catch (error) {
    const exitCode = error instanceof ConfigError ? 2 : 1;
    // With --log-format json every line on stderr is a record, the last one too.
    if (logFormat === "json") {
      new Logger({ format: "json" }).error("Exiting on error", {
        error: errorMessage(error),
        exit_code: exitCode,
      });
    } else console.error(`Error: ${errorMessage(error)}`);
    return exitCode;
  }
}

/** Whether `args` (before `--`) ask for `--log-format json` / `-f json`, in any spelling. */
function asksForJsonLogs(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  const flags = end < 0 ? args : args.slice(0, end);
  return flags.some((arg, i) => {
    const [name, value = flags[i + 1]] = arg.split("=", 2);
    return (name === "-f" || name === "--log-format") && value?.toLowerCase() === "json";
  });
}
