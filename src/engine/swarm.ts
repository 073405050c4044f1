/**
 * The Swarm part of the Docker Engine API client: implements {@link SwarmEngine} over the
 * runtime's `unixFetch` (the same socket and transport rules as {@link DockerEngineClient}).
 *
 * @example
 * ```ts
 * const swarm = new DockerSwarmClient({ runtime, socketPath });
 * const service = await swarm.inspectService("web");
 * ```
 *
 * @module
 */
import { registryAuthHeader } from "./pull.ts";
import {
  decodeNodes,
  decodeService,
  decodeSwarmInfo,
  decodeTasks,
  decodeWarnings,
} from "./swarm-decode.ts";
import type {
  ServiceSpec,
  ServiceUpdateOptions,
  SwarmEngine,
  SwarmNode,
  SwarmNodeInfo,
  SwarmService,
  SwarmTask,
} from "./swarm-types.ts";
import { EngineTransport, type EngineTransportOptions } from "./transport.ts";

/** {@link SwarmEngine} over the Docker Engine API on a unix socket. */
export class DockerSwarmClient implements SwarmEngine {
  #http: EngineTransport;

  /** @param options runtime adapter, socket path, optional request timeout */
  constructor(options: EngineTransportOptions) {
    this.#http = new EngineTransport(options);
  }

  /** `GET /info` → its `Swarm` part. */
  async swarmInfo(signal?: AbortSignal): Promise<SwarmNodeInfo> {
    const { body } = await this.#http.call("read the engine info", { path: "/info", signal });
    return decodeSwarmInfo(body);
  }

  /** `GET /services/{name}`; `undefined` on 404. */
  async inspectService(name: string, signal?: AbortSignal): Promise<SwarmService | undefined> {
    const operation = `inspect service ${name}`;
    const { status, body } = await this.#http.call(operation, {
      path: `/services/${encodeURIComponent(name)}`,
      accept: [404],
      signal,
    });
    return status === 404 ? undefined : decodeService(body, operation);
  }

  /**
   * `POST /services/{id}/update?version=…` with `spec` (and `rollback=previous` when asked),
   * credentials in `X-Registry-Auth` so that every node can pull.
   */
  async updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    options: ServiceUpdateOptions = {},
  ): Promise<string[]> {
    const { body } = await this.#http.call(
      options.rollback ? `roll back service ${id}` : `update service ${id}`,
      {
        method: "POST",
        path: `/services/${encodeURIComponent(id)}/update`,
        query: { version: String(version), rollback: options.rollback ? "previous" : undefined },
        headers: options.auth ? { "X-Registry-Auth": registryAuthHeader(options.auth) } : {},
        body: spec,
        signal: options.signal,
      },
    );
    return decodeWarnings(body);
  }

  /** `GET /tasks?filters={"service":[id]}`. */
  async listTasks(serviceId: string, signal?: AbortSignal): Promise<SwarmTask[]> {
    const operation = `list the tasks of service ${serviceId}`;
    const { body } = await this.#http.call(operation, {
      path: "/tasks",
      query: { filters: JSON.stringify({ service: [serviceId] }) },
      signal,
    });
    return decodeTasks(body, operation);
  }

  /** `GET /nodes`. */
  async listNodes(signal?: AbortSignal): Promise<SwarmNode[]> {
    const operation = "list the swarm nodes";
    const { body } = await this.#http.call(operation, { path: "/nodes", signal });
    return decodeNodes(body, operation);
  }
}
