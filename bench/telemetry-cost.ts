/**
 * What telemetry costs one proxied connection, measured in-process and without the noise of a
 * loaded machine (a lower bound: the loop keeps caches warm that a real proxy's connections
 * find cold): the real `Telemetry` (from `createTelemetry`, as dewy builds it) receives the
 * observer calls `TcpProxy` makes for one connection (opened, backend connected, closed, with
 * the `performance.now()` timestamps the proxy takes only when an observer is attached), many
 * times over. Prints one JSON line: `{"runtime":"bun","usPerConnection":0.9}` (median of 5
 * rounds of 200,000 connections, after a warm-up round).
 *
 * ```sh
 * bun bench/telemetry-cost.ts        deno run -A bench/telemetry-cost.ts
 * ```
 *
 * @module
 */
import { createTelemetry } from "../src/telemetry/create.ts";
import { VERSION } from "../src/version.ts";
import { runtimeName } from "../src/runtime/detect.ts";

const CONNECTIONS = 200_000;
const ROUNDS = 5;
const PORT = 8080;

const telemetry = (await createTelemetry(
  {},
  { version: VERSION, env: () => undefined, app: "bench" },
))!;
telemetry.registerProxyPort(PORT);

/** Microseconds per connection over one round. */
function round(): number {
  const start = performance.now();
  for (let i = 0; i < CONNECTIONS; i++) {
    const openedAt = performance.now();
    telemetry.connectionOpened(PORT);
    const dialStart = performance.now();
    telemetry.backendConnected(PORT, (performance.now() - dialStart) / 1000);
    telemetry.connectionClosed(PORT, (performance.now() - openedAt) / 1000, 103, 258);
  }
  return (performance.now() - start) * 1000 / CONNECTIONS;
}

round(); // warm-up: JIT and the SDK's attribute maps
const rounds = Array.from({ length: ROUNDS }, round).sort((a, b) => a - b);
// The histograms really hold what was recorded: a scrape renders them.
if (!(await telemetry.metricsText()).includes("dewy_proxy_connection_duration_count")) {
  throw new Error("telemetry-cost: the connection duration histogram was not recorded");
}
await telemetry.shutdown();
console.log(
  JSON.stringify({ runtime: runtimeName, usPerConnection: rounds[Math.floor(ROUNDS / 2)] }),
);
