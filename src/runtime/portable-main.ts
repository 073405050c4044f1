/**
 * Entry of the bundled `dist/dewy.js`, which runs on Deno (`deno run -A URL`) and Bun alike:
 * the one place that looks at which runtime is executing, then hands the CLI its adapter.
 *
 * @module
 */
import type { Runtime } from "./types.ts";
import { main } from "../main.ts";

const runtime: Runtime = "Deno" in globalThis
  ? (await import("./deno.ts")).denoRuntime
  : (await import("./bun.ts")).bunRuntime;

runtime.exit(await main(runtime));
