/**
 * Entry of `deno compile` and `deno run`: the CLI on the Deno adapter only.
 *
 * @module
 */
import { denoRuntime } from "../runtime/deno.ts";
import { main } from "../main.ts";

denoRuntime.exit(await main(denoRuntime));
