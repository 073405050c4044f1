/**
 * Entry of the bundled `dist/dewy.js` and of `mod.ts` run as a program, which run on Deno,
 * Bun and Node alike: hands the CLI the adapter of the executing runtime.
 *
 * @module
 */
import { loadRuntime } from "../runtime/detect.ts";
import { main } from "../main.ts";

const runtime = await loadRuntime();
runtime.exit(await main(runtime));
