/**
 * The runtime adapter for the runtime the tests run on. Tests are written once with
 * `node:test` and run under both `deno test` and `bun test`.
 *
 * @module
 */
import type { Runtime } from "../src/runtime/types.ts";

/** The adapter of the runtime executing the tests. */
export const runtime: Runtime = "Deno" in globalThis
  ? (await import("../src/runtime/deno.ts")).denoRuntime
  : (await import("../src/runtime/bun.ts")).bunRuntime;
