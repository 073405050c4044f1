/**
 * dewy: a deploy manager for containers. It polls an OCI registry for the newest version,
 * rolls it out through the Docker Engine API behind its own TCP proxy with zero downtime,
 * and exports OpenTelemetry metrics.
 *
 * As a program: `deno run -A mod.ts container --registry img://HOST/REPO --port 8080`
 * or `bun run mod.ts ...`. As a library, the parts are exported here.
 *
 * @example
 * ```ts
 * import { Backend, TcpProxy } from "./mod.ts";
 * import { denoRuntime } from "./src/runtime/deno.ts";
 * const proxy = new TcpProxy(denoRuntime, { port: 8080 });
 * proxy.pool.add(new Backend("127.0.0.1", 32768));
 * await proxy.start();
 * ```
 *
 * @module
 */
export type { Runtime, TcpConn, TcpListener } from "./src/runtime/types.ts";
export { type ProxyObserver, TcpProxy, type TcpProxyOptions } from "./src/proxy/proxy.ts";
export { Backend } from "./src/proxy/backend.ts";
export { BackendPool } from "./src/proxy/pool.ts";
export { DockerEngineClient } from "./src/engine/client.ts";
export type { Engine } from "./src/engine/types.ts";
export { OciRegistry, openImageRegistry, parseImageUrl } from "./src/registry/mod.ts";
export { DeployManager, type DeployManagerOptions } from "./src/deploy/manager.ts";
export { createTelemetry } from "./src/telemetry/create.ts";
export type { Telemetry } from "./src/telemetry/telemetry.ts";
export { createAdminApp } from "./src/admin/app.ts";
export { parseCommandLine } from "./src/cli/mod.ts";
export type { ContainerConfig, PortMapping } from "./src/config.ts";
export type { RunOptions } from "./src/engine/types.ts";
export { ConfigError, RuntimeFailure } from "./src/errors.ts";
export { Logger } from "./src/log.ts";
export { main } from "./src/main.ts";
export { runContainer } from "./src/container/run.ts";
export { VERSION } from "./src/version.ts";

if (import.meta.main) {
  // The program: the entry that picks the adapter of the runtime executing it.
  await import("./src/entries/portable.ts");
}
