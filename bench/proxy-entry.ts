/**
 * The benchmark's proxy program: dewy's real {@link TcpProxy} on one port in front of one
 * static backend, nothing else (no engine, no registry, no deploy loop).
 *
 * With `--telemetry` the real `Telemetry` (from `createTelemetry`) is the proxy's observer and the real admin API
 * serves `GET /metrics` on `--admin-port`, so the benchmark can scrape it during a run.
 *
 * Runs unchanged under `bun run`, `deno run -A`, and as a `bun build --compile` executable; it
 * picks the runtime adapter with `src/runtime/detect.ts`. Prints one line
 * `ready <proxyPort> <adminPort|0>` on stdout when it accepts connections; stops on
 * SIGTERM/SIGINT.
 *
 * ```sh
 * bun run bench/proxy-entry.ts --port 9101 --backend 127.0.0.1:9001 [--telemetry --admin-port 9201]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Runtime } from "../src/runtime/types.ts";
import { loadRuntime } from "../src/runtime/detect.ts";
import { TcpProxy } from "../src/proxy/proxy.ts";
import { Backend } from "../src/proxy/backend.ts";
import { createTelemetry } from "../src/telemetry/create.ts";
import { createAdminApp } from "../src/admin/app.ts";
import { startAdminServer } from "../src/admin/server.ts";
import type { AdminSource } from "../src/admin/types.ts";
import { VERSION } from "../src/version.ts";

const runtime: Runtime = await loadRuntime();

const { values } = parseArgs({
  args: runtime.args(),
  options: {
    port: { type: "string", default: "0" },
    backend: { type: "string", default: "127.0.0.1:9001" },
    telemetry: { type: "boolean", default: false },
    "admin-port": { type: "string", default: "0" },
  },
});

/** The admin API's deploy side: there is no deploy manager in the benchmark. */
const noDeploys: AdminSource = {
  status: () => ({
    app: "bench",
    currentVersion: "",
    currentDigest: "",
    proxyBackends: 1,
    replicas: 1,
    busy: false,
  }),
  containers: () => Promise.resolve([]),
  checkNow: () => Promise.resolve({ outcome: "up-to-date" }),
};

const [backendHost, backendPort] = values.backend.split(":");
// As in dewy itself: with telemetry off, the OpenTelemetry SDK is not even loaded.
const telemetry = await createTelemetry(
  values.telemetry ? {} : null,
  { version: VERSION, env: (name) => runtime.env(name), app: "bench" },
);
const proxy = new TcpProxy(runtime, {
  port: Number(values.port),
  hostname: "127.0.0.1",
  observer: telemetry,
});
proxy.pool.add(new Backend(backendHost, Number(backendPort)));
await proxy.start();
telemetry?.registerProxyPort(proxy.port);
const admin = telemetry
  ? await startAdminServer(runtime, createAdminApp(noDeploys, { telemetry }), {
    port: Number(values["admin-port"]),
    attempts: 1,
  })
  : undefined;
console.log(`ready ${proxy.port} ${admin?.port ?? 0}`);

const stop = async () => {
  proxy.close();
  await admin?.server.close();
  await telemetry?.shutdown();
  runtime.exit(0);
};
runtime.onSignal("SIGTERM", stop);
runtime.onSignal("SIGINT", stop);
