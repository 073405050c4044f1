/**
 * The command line of dewy: what the entry point (`mod.ts`) calls.
 *
 * @module
 */
export { type Command, type CommandLineOptions, parseCommandLine } from "./command.ts";
export { helpText } from "./help.ts";
export { listContainers, type ListContainersOptions } from "./list.ts";
export {
  type ControlAction,
  type ControlClientOptions,
  runControlAction,
} from "./control-client.ts";
export { parsePassthrough, type PassthroughOptions } from "./passthrough.ts";
