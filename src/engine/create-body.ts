/**
 * The `POST /containers/create` body for a {@link CreateContainerSpec}: dewy's labels and
 * published ports plus the passthrough `docker run` options ({@link RunOptions}).
 *
 * @module
 */
import type { CreateContainerSpec } from "./types.ts";

/** Host address every published port binds to: replicas are reached only through dewy's proxy. */
const PUBLISH_HOST_IP = "127.0.0.1";

/**
 * Build the create-container request body. Each published port gets
 * `{"HostIp":"127.0.0.1","HostPort":""}` (a random free host port; the CLI rejects
 * `--network host`, which would leave nothing to publish). dewy's labels override
 * same-named `--label` values.
 */
export function containerCreateBody(spec: CreateContainerSpec): Record<string, unknown> {
  const options = spec.options;
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.publish) {
    exposed[`${port}/tcp`] = {};
    bindings[`${port}/tcp`] = [{ HostIp: PUBLISH_HOST_IP, HostPort: "" }];
  }
  const hostConfig: Record<string, unknown> = {
    PortBindings: bindings,
    Binds: options.binds.length ? options.binds : undefined,
    RestartPolicy: options.restart
      ? { Name: options.restart.name, MaximumRetryCount: options.restart.maximumRetryCount ?? 0 }
      : undefined,
    Memory: options.memoryBytes,
    NanoCpus: options.nanoCpus,
    NetworkMode: options.network,
    ExtraHosts: options.extraHosts.length ? options.extraHosts : undefined,
  };
  return {
    Image: spec.image,
    Labels: { ...options.labels, ...spec.labels },
    Env: options.env.length ? options.env : undefined,
    Cmd: spec.cmd.length ? spec.cmd : undefined,
    Entrypoint: options.entrypoint,
    WorkingDir: options.workdir,
    User: options.user,
    ExposedPorts: exposed,
    HostConfig: hostConfig,
  };
}
