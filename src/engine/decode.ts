/**
 * Engine API JSON → dewy's engine types. The engine is trusted for optional fields (absent
 * ones get neutral values) but an answer without the fields dewy cannot do without (`Id`)
 * or of the wrong shape is an {@link EngineError} naming the operation.
 *
 * @module
 */
import { EngineError } from "./errors.ts";
import type {
  ContainerDetails,
  ContainerSummary,
  EngineEvent,
  ImageSummary,
  PullProgress,
} from "./types.ts";

type Json = Record<string, unknown>;

/** Docker's zero time, reported as `StartedAt` of a container that never started. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, operation: string, what: string): Json {
  if (!isObject(value)) {
    throw EngineError.malformed(operation, 200, `expected ${what} as a JSON object`);
  }
  return value;
}

function list(value: unknown, operation: string, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw EngineError.malformed(operation, 200, `expected ${what} as a JSON array`);
  }
  return value;
}

function id(value: Json, operation: string): string {
  if (typeof value.Id !== "string" || !value.Id) {
    throw EngineError.malformed(operation, 200, "an entry has no Id");
  }
  return value.Id;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function labels(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** `GET /containers/json` → summaries. */
export function decodeContainerList(raw: unknown, operation: string): ContainerSummary[] {
  return list(raw, operation, "the container list").map((entry) => {
    const c = object(entry, operation, "a container");
    return {
      id: id(c, operation),
      name: text(strings(c.Names)[0]).replace(/^\//, ""),
      image: text(c.Image),
      state: text(c.State),
      labels: labels(c.Labels),
    };
  });
}

/** Published ports of an inspect answer: first binding per port, host port as a number. */
function ports(value: unknown): ContainerDetails["ports"] {
  const out: ContainerDetails["ports"] = {};
  if (!isObject(value)) return out;
  for (const [port, bindings] of Object.entries(value)) {
    const first = Array.isArray(bindings) ? bindings.find(isObject) : undefined;
    const hostPort = Number(first?.HostPort);
    if (first && Number.isInteger(hostPort) && hostPort > 0) {
      out[port] = { hostIp: text(first.HostIp), hostPort };
    }
  }
  return out;
}

/**
 * The container's IPv4 address: the default bridge's `IPAddress`, else the first network of
 * `Networks` that has one (a user-defined network from `--network`).
 */
function networkAddress(network: Json): string {
  const direct = text(network.IPAddress);
  if (direct) return direct;
  const networks = isObject(network.Networks) ? Object.values(network.Networks) : [];
  for (const n of networks) if (isObject(n) && text(n.IPAddress)) return text(n.IPAddress);
  return "";
}

/** `GET /containers/{id}/json` → details. */
export function decodeContainerDetails(raw: unknown, operation: string): ContainerDetails {
  const c = object(raw, operation, "the container");
  const config = isObject(c.Config) ? c.Config : {};
  const state = isObject(c.State) ? c.State : {};
  const network = isObject(c.NetworkSettings) ? c.NetworkSettings : {};
  const startedAt = text(state.StartedAt);
  return {
    id: id(c, operation),
    name: text(c.Name).replace(/^\//, ""),
    image: text(config.Image) || text(c.Image),
    state: text(state.Status),
    labels: labels(config.Labels),
    ports: ports(network.Ports),
    address: networkAddress(network),
    startedAt: startedAt === ZERO_TIME ? "" : startedAt,
    exitCode: count(state.ExitCode),
    oomKilled: state.OOMKilled === true,
    restartCount: count(c.RestartCount),
  };
}

/** `GET /images/{name}/json` → id, exposed TCP ports (ascending), repo digests. */
export function decodeImageInspect(
  raw: unknown,
  operation: string,
): { id: string; exposedTcpPorts: number[]; repoDigests: string[] } {
  const image = object(raw, operation, "the image");
  const config = isObject(image.Config) ? image.Config : {};
  const exposed = isObject(config.ExposedPorts) ? Object.keys(config.ExposedPorts) : [];
  const tcp = exposed
    .map((key) => key.split("/"))
    .filter(([, proto]) => (proto ?? "tcp") === "tcp")
    .map(([port]) => Number(port))
    .filter((port) => Number.isInteger(port) && port > 0);
  return {
    id: id(image, operation),
    exposedTcpPorts: [...new Set(tcp)].sort((a, b) => a - b),
    repoDigests: strings(image.RepoDigests),
  };
}

/** `GET /images/json` → id and creation time of each image. */
export function decodeImageList(raw: unknown, operation: string): ImageSummary[] {
  return list(raw, operation, "the image list").map((entry) => {
    const image = object(entry, operation, "an image");
    return {
      id: id(image, operation),
      created: count(image.Created),
    };
  });
}

/**
 * One line of the `GET /events` stream → an event, or `undefined` for a non-container
 * event. `labels` are the actor's attributes: the container's labels plus `name`, `image`.
 */
export function decodeEvent(raw: unknown, operation: string): EngineEvent | undefined {
  const event = object(raw, operation, "an event");
  if (text(event.Type) !== "container") return undefined;
  const actor = isObject(event.Actor) ? event.Actor : {};
  return {
    action: text(event.Action) || text(event.status),
    id: text(actor.ID) || text(event.id),
    labels: labels(actor.Attributes),
  };
}

/**
 * One line of a pull stream → progress.
 * @throws {EngineError} (`streamed`) when the line reports an error
 */
export function decodePullProgress(raw: unknown, operation: string): PullProgress {
  const line = object(raw, operation, "a pull progress line");
  const detail = isObject(line.errorDetail) ? line.errorDetail : {};
  if (line.error !== undefined || line.errorDetail !== undefined) {
    throw EngineError.streamed(
      operation,
      text(detail.message) || text(line.error) || JSON.stringify(line),
    );
  }
  const progress = isObject(line.progressDetail) ? line.progressDetail : {};
  const out: PullProgress = { status: text(line.status) };
  if (text(line.id)) out.layer = text(line.id);
  if (typeof progress.current === "number") out.current = progress.current;
  if (typeof progress.total === "number") out.total = progress.total;
  return out;
}

/**
 * The text of `GET /containers/{id}/logs`. Without a TTY the engine sends frames (an 8-byte
 * header: stream 0/1/2, three zero bytes, the big-endian length) — stdout and stderr
 * interleaved in order; with a TTY it sends the bytes as they are.
 */
export function decodeLogs(bytes: Uint8Array): string {
  const framed = bytes.length >= 8 && bytes[0] <= 2 && bytes[1] === 0 && bytes[2] === 0 &&
    bytes[3] === 0;
  if (!framed) return new TextDecoder().decode(bytes);
  const decoder = new TextDecoder();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = "";
  for (let at = 0; at + 8 <= bytes.length;) {
    const end = Math.min(bytes.length, at + 8 + view.getUint32(at + 4));
    text += decoder.decode(bytes.subarray(at + 8, end), { stream: true });
    at = end;
  }
  return text + decoder.decode();
}
