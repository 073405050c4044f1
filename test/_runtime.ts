/**
 * The runtime adapter for the runtime the tests run on. Tests are written once with
 * `node:test` and run under both `deno test` and `bun test`.
 *
 * @module
 */
import type { Runtime } from "../src/runtime/types.ts";
import { TCP_PROBE_SETTLE_MS } from "../src/deploy/health.ts";
import { loadRuntime } from "../src/runtime/detect.ts";

/** The adapter of the runtime executing the tests. */
export const runtime: Runtime = await loadRuntime();

/** The TCP health probe dewy wires into the deploy manager, on this runtime. */
export const testProbe = (hostname: string, port: number, timeoutMs: number): Promise<boolean> =>
  runtime.probeTcp(hostname, port, timeoutMs, TCP_PROBE_SETTLE_MS);
