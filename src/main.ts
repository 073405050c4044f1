/**
 * The dewy command line as a runtime-neutral program: parse, dispatch, map failures to exit
 * codes (2 = bad input, 1 = runtime failure, 0 = success). The entry points in
 * `src/runtime/*-main.ts` call {@link main} with their adapter.
 *
 * @module
 */
import type { Runtime } from "./runtime/types.ts";
import { listContainers, parseCommandLine } from "./cli/mod.ts";
import { ConfigError, errorMessage } from "./errors.ts";
import { VERSION } from "./version.ts";
import { runContainer } from "./app.ts";
import { keepLoopbackOffProxies } from "./cli/no-proxy.ts";

/** Run the CLI with `runtime`'s arguments; resolves with the process exit code. */
export async function main(runtime: Runtime): Promise<number> {
  keepLoopbackOffProxies(runtime);
  try {
    const command = parseCommandLine(runtime.args(), (name) => runtime.env(name));
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
      case "container":
        return await runContainer(runtime, command.config);
    }
  } catch (error) {
    console.error(`Error: ${errorMessage(error)}`);
    return error instanceof ConfigError ? 2 : 1;
  }
}
