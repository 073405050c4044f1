/**
 * Which JavaScript runtime is executing: the one place that sniffs globals for it. Entries,
 * tests and benchmarks ask here instead of testing `"Deno" in globalThis` themselves.
 *
 * @module
 */
import type { Runtime } from "./types.ts";

/** The runtimes dewy has an adapter for. */
export type RuntimeName = Runtime["name"];

/** The runtime executing this program (Deno and Bun announce themselves; else Node). */
export const runtimeName: RuntimeName = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** The adapter of the executing runtime, loaded on demand so no other adapter is imported. */
export async function loadRuntime(): Promise<Runtime> {
  switch (runtimeName) {
    case "deno":
      return (await import("./deno.ts")).denoRuntime;
    case "bun":
      return (await import("./bun.ts")).bunRuntime;
    case "node":
      return (await import("./node.ts")).nodeRuntime;
  }
}
