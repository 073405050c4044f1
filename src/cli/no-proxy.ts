/**
 * Keep dewy's own loopback traffic off HTTP proxies.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";

/** The names of the loopback interface, as `NO_PROXY` entries. */
const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/**
 * Add the loopback names to `NO_PROXY` and `no_proxy` (both get the union of what either
 * held). dewy talks HTTP to 127.0.0.1 itself (health probes of new replicas, `dewy container
 * list`), and both runtimes' `fetch` send even those through `HTTP_PROXY` unless `NO_PROXY`
 * names them; a proxy set for the registry then answers 502 for every replica. Deno reads
 * these variables at its first request, so this runs before anything is fetched.
 */
export function keepLoopbackOffProxies(runtime: Pick<Runtime, "env" | "setEnv">): void {
  const entries = new Set<string>();
  for (const name of ["NO_PROXY", "no_proxy"]) {
    for (const entry of (runtime.env(name) ?? "").split(",").map((e) => e.trim())) {
      if (entry !== "") entries.add(entry);
    }
  }
  for (const host of LOOPBACK) entries.add(host);
  const value = [...entries].join(",");
  runtime.setEnv("NO_PROXY", value);
  runtime.setEnv("no_proxy", value);
}
