/**
 * Entry of the compiled executable and of `bun run`: the CLI on the Bun adapter only, so the
 * binary never loads the Deno adapter.
 *
 * @module
 */
import { bunRuntime } from "../runtime/bun.ts";
import { main } from "../main.ts";

bunRuntime.exit(await main(bunRuntime));
