/**
 * The Docker Engine API client: implements {@link Engine} over the runtime's `unixFetch`,
 * for Docker and for Podman's Docker-compatible socket.
 *
 * @example
 * ```ts
 * const engine = new DockerEngineClient({ runtime, socketPath: resolveEngineSocket("docker", runtime.env, runtime.uid()) });
 * await engine.pull("127.0.0.1:5000/app:v1.1.0", { onProgress: (p) => log.debug(p.status) });
 * ```
 *
 * @module
 */
import { containerCreateBody } from "./create-body.ts";
import {
  decodeContainerDetails,
  decodeContainerList,
  decodeImageInspect,
  decodeImageList,
  decodeLogs,
} from "./decode.ts";
import { EngineError } from "./errors.ts";
import { labelFilter, streamEvents } from "./events.ts";
import { pullImage, type PullOptions } from "./pull.ts";
import { EngineTransport, type EngineTransportOptions } from "./transport.ts";
import type {
  ContainerDetails,
  ContainerSummary,
  CreateContainerSpec,
  Engine,
  EngineEvent,
  ImageSummary,
} from "./types.ts";

/** A container id or name as a path segment. */
function segment(value: string): string {
  return encodeURIComponent(value);
}

/** An image reference as a path tail (`/images/{name}/json` takes slashes, colons and `@`). */
function imagePath(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/g, "@");
}

/** {@link Engine} over the Docker Engine API on a unix socket. */
export class DockerEngineClient implements Engine {
  #http: EngineTransport;

  /** @param options runtime adapter, socket path, optional request timeout */
  constructor(options: EngineTransportOptions) {
    this.#http = new EngineTransport(options);
  }

  /** The unix socket this client talks to. */
  get socketPath(): string {
    return this.#http.socketPath;
  }

  /** `GET /_ping`. */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.#http.call("ping the engine", {
      path: "/_ping",
      unversioned: true,
      ignoreBody: true,
      signal,
    });
  }

  /** `GET /version`: engine name (`Docker Engine`, `Podman Engine`), version, API version. */
  async version(
    signal?: AbortSignal,
  ): Promise<{ name: string; version: string; apiVersion: string }> {
    const operation = "read the engine version";
    const { status, body } = await this.#http.call(operation, {
      path: "/version",
      unversioned: true,
      signal,
    });
    const info = body as {
      Version?: unknown;
      ApiVersion?: unknown;
      Components?: { Name?: unknown }[];
      Platform?: { Name?: unknown };
    } | undefined;
    if (typeof info?.ApiVersion !== "string") {
      throw EngineError.malformed(operation, status, "no ApiVersion");
    }
    const component = String(info.Components?.[0]?.Name ?? "");
    const name = component === "Engine"
      ? "Docker Engine"
      : component || String(info.Platform?.Name ?? "");
    return { name, version: String(info.Version ?? ""), apiVersion: info.ApiVersion };
  }

  /** `POST /images/create` with progress events; see {@link pullImage}. */
  pull(image: string, options?: PullOptions): Promise<void> {
    return pullImage(this.#http, image, options);
  }

  /** `GET /images/{name}/json`; `undefined` when the image is not present. */
  async inspectImage(
    image: string,
    signal?: AbortSignal,
  ): Promise<{ id: string; exposedTcpPorts: number[]; repoDigests: string[] } | undefined> {
    const operation = `inspect image ${image}`;
    const { status, body } = await this.#http.call(operation, {
      path: `/images/${imagePath(image)}/json`,
      accept: [404],
      signal,
    });
    return status === 404 ? undefined : decodeImageInspect(body, operation);
  }

  /** `GET /containers/json` filtered by every label of `labels`. */
  async listContainers(
    labels: Record<string, string>,
    options: { all?: boolean; signal?: AbortSignal } = {},
  ): Promise<ContainerSummary[]> {
    const operation = "list containers";
    const { body } = await this.#http.call(operation, {
      path: "/containers/json",
      query: {
        all: options.all ? "1" : undefined,
        filters: JSON.stringify({ label: labelFilter(labels) }),
      },
      signal: options.signal,
    });
    return decodeContainerList(body, operation);
  }

  /** `POST /containers/create?name=…`; returns the new container's id. */
  async createContainer(spec: CreateContainerSpec, signal?: AbortSignal): Promise<string> {
    const operation = `create container ${spec.name}`;
    const { status, body } = await this.#http.call(operation, {
      method: "POST",
      path: "/containers/create",
      query: { name: spec.name },
      body: containerCreateBody(spec),
      signal,
    });
    const id = (body as { Id?: unknown } | undefined)?.Id;
    if (typeof id !== "string" || !id) {
      throw EngineError.malformed(operation, status, "no Id in the answer");
    }
    return id;
  }

  /** `POST /containers/{id}/start`; already running is not an error. */
  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.#http.call(`start container ${id}`, {
      method: "POST",
      path: `/containers/${segment(id)}/start`,
      accept: [304],
      signal,
    });
  }

  /** `GET /containers/{id}/json`; `undefined` when there is no such container. */
  async inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerDetails | undefined> {
    const operation = `inspect container ${id}`;
    const { status, body } = await this.#http.call(operation, {
      path: `/containers/${segment(id)}/json`,
      accept: [404],
      signal,
    });
    return status === 404 ? undefined : decodeContainerDetails(body, operation);
  }

  /** `GET /containers/{id}/logs?stdout=1&stderr=1&tail=…`, frames decoded to text. */
  async containerLogs(id: string, lines: number, signal?: AbortSignal): Promise<string> {
    const { body } = await this.#http.call(`read the output of container ${id}`, {
      path: `/containers/${segment(id)}/logs`,
      query: { stdout: "1", stderr: "1", tail: String(lines) },
      bytes: true,
      signal,
    });
    return decodeLogs(body as Uint8Array);
  }

  /** `POST /containers/{id}/stop?t=…`; already stopped or already gone is not an error. */
  async stopContainer(id: string, timeoutS: number, signal?: AbortSignal): Promise<void> {
    await this.#http.call(`stop container ${id}`, {
      method: "POST",
      path: `/containers/${segment(id)}/stop`,
      query: { t: String(Math.max(0, Math.round(timeoutS))) },
      accept: [304, 404],
      extraTimeoutMs: timeoutS * 1000,
      signal,
    });
  }

  /** `DELETE /containers/{id}?force=1&v=1`; already gone (or being removed) is not an error. */
  async removeContainer(id: string, signal?: AbortSignal): Promise<void> {
    const { status, body } = await this.#http.call(`remove container ${id}`, {
      method: "DELETE",
      path: `/containers/${segment(id)}`,
      query: { force: "1", v: "1" },
      accept: [404, 409],
      signal,
    });
    const message = String((body as { message?: unknown } | undefined)?.message ?? "");
    if (status === 409 && !/already in progress/i.test(message)) {
      throw EngineError.rejected(`remove container ${id}`, status, message);
    }
  }

  /** `GET /events` for containers matching `labels`, until `signal` aborts; see {@link streamEvents}. */
  events(
    labels: Record<string, string>,
    onEvent: (event: EngineEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return streamEvents(this.#http, labels, onEvent, signal);
  }

  /** `GET /images/json` filtered by `reference=repository` (tags and digests of that repository). */
  async listImages(repository: string, signal?: AbortSignal): Promise<ImageSummary[]> {
    const operation = `list images of ${repository}`;
    const { body } = await this.#http.call(operation, {
      path: "/images/json",
      query: { filters: JSON.stringify({ reference: [repository] }) },
      signal,
    });
    return decodeImageList(body, operation);
  }

  /** `DELETE /images/{id}?force=1`; already gone is not an error. */
  async removeImage(id: string, signal?: AbortSignal): Promise<void> {
    await this.#http.call(`remove image ${id}`, {
      method: "DELETE",
      path: `/images/${imagePath(id)}`,
      query: { force: "1" },
      accept: [404],
      signal,
    });
  }
}
