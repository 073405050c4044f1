/**
 * HTTP to the Engine API over its unix socket: API-version negotiation, request timeouts,
 * and turning every failure into {@link EngineError} or {@link EngineUnreachableError}
 * (never a bare `fetch failed`).
 *
 * @module
 */
import type { Runtime, UnixFetch } from "../runtime/types.ts";
import { rootCause } from "../errors.ts";
import { EngineError, EngineUnreachableError } from "./errors.ts";

/** Bound on one non-streaming container engine request (stop adds its own grace time). */
const ENGINE_REQUEST_TIMEOUT_MS = 30_000;

/** The API version dewy is written against (Docker 20.10, podman 4 compat). */
const PREFERRED_API_VERSION = "1.41";

/** Options of {@link EngineTransport}. */
export interface EngineTransportOptions {
  /** Supplies `unixFetch` (the runtime adapter). */
  runtime: Pick<Runtime, "unixFetch">;
  /** Path of the engine's unix socket. */
  socketPath: string;
  /** Bound on one non-streaming request (default {@link ENGINE_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number;
}

/** One request to the engine. */
export interface EngineRequest {
  /** HTTP method (default `GET`). */
  method?: string;
  /** Path below the version prefix, e.g. `/containers/json`. */
  path: string;
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | undefined>;
  /** JSON request body. */
  body?: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Statuses that are answers rather than failures (2xx always are), e.g. `[404]`. */
  accept?: number[];
  /** Send without the `/vX.Y` prefix (`/_ping`, `/version`). */
  unversioned?: boolean;
  /** The answer is not JSON (`/_ping` says `OK`): read and drop it. */
  ignoreBody?: boolean;
  /** The answer is bytes (container logs): `body` is a `Uint8Array`. */
  bytes?: boolean;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Extra time on top of the request timeout (a stop's grace period). */
  extraTimeoutMs?: number;
}

/** A non-streaming answer: its status and parsed JSON body (`undefined` when empty). */
export interface EngineAnswer {
  status: number;
  body: unknown;
}

/** The API version to use against an engine reporting `max` (and optionally `min`). */
export function negotiateApiVersion(max: string, min?: string): string {
  const value = (v: string) => {
    const [major, minor] = v.split(".").map(Number);
    return major * 1000 + (minor || 0);
  };
  const preferred = value(PREFERRED_API_VERSION);
  if (/^\d+\.\d+$/.test(max) && value(max) < preferred) return max;
  if (min && /^\d+\.\d+$/.test(min) && value(min) > preferred) return min;
  return PREFERRED_API_VERSION;
}

/** Plain words for the socket errors people meet (Bun gives `code`, Deno `(os error N)`). */
const CONNECT_FAILURES: [RegExp, string][] = [
  [/ENOENT|os error 2\)/, "no such socket file"],
  [/ECONNREFUSED|os error 111\)/, "connection refused (nothing listens on it)"],
];

/** A socket error that means dewy may not use the socket (the engine may well be running). */
const DENIED = /EACCES|EPERM|os error 13\)/;

/** Why a request failed, in one line: plain words for known socket errors, else the deepest message. */
function describe(error: unknown): string {
  const { message, text } = rootCause(error);
  const known = CONNECT_FAILURES.find(([pattern]) => pattern.test(text));
  return known ? known[1] : message;
}

/** Low-level client of the Engine API; `client.ts` builds the operations on it. */
export class EngineTransport {
  /** Path of the engine's unix socket. */
  readonly socketPath: string;
  #fetch: UnixFetch;
  #timeoutMs: number;
  #prefix: Promise<string> | undefined;

  /** @param options runtime, socket path and request timeout */
  constructor(options: EngineTransportOptions) {
    this.socketPath = options.socketPath;
    this.#fetch = options.runtime.unixFetch(options.socketPath);
    this.#timeoutMs = options.requestTimeoutMs ?? ENGINE_REQUEST_TIMEOUT_MS;
  }

  /**
   * Send a request and read its whole JSON answer (or its bytes) within the request timeout.
   * @throws {EngineError} on a status outside 2xx/`accept`, or a body that is not JSON
   * @throws {EngineUnreachableError} when the socket cannot be reached or answers too late
   */
  async call(operation: string, request: EngineRequest): Promise<EngineAnswer> {
    const timeoutMs = this.#timeoutMs + (request.extraTimeoutMs ?? 0);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const response = await this.#send(operation, request, signal);
      if (request.bytes) {
        return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
      }
      const text = await response.text();
      if (request.ignoreBody || !text.trim()) return { status: response.status, body: undefined };
      try {
        return { status: response.status, body: JSON.parse(text) };
      } catch {
        throw EngineError.malformed(operation, response.status, `not JSON: ${text.slice(0, 120)}`);
      }
    } catch (error) {
      throw this.#failure(operation, error, request.signal, { signal: timeout, ms: timeoutMs });
    }
  }

  /**
   * Send a request whose answer is a stream (pull, events); no timeout, only `signal`.
   * @returns the successful response, body unread
   */
  async stream(operation: string, request: EngineRequest): Promise<Response> {
    try {
      return await this.#send(operation, request, request.signal);
    } catch (error) {
      throw this.#failure(operation, error, request.signal);
    }
  }

  /** Map a failure while streaming `operation` (after {@link stream} returned). */
  streamFailure(operation: string, error: unknown, signal?: AbortSignal): unknown {
    return this.#failure(operation, error, signal);
  }

  async #send(operation: string, request: EngineRequest, signal?: AbortSignal): Promise<Response> {
    const prefix = request.unversioned ? "" : await this.#apiPrefix();
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) query.set(key, value);
    }
    const search = query.toString() ? `?${query}` : "";
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await this.#fetch(`http://localhost${prefix}${request.path}${search}`, {
      method: request.method ?? "GET",
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    });
    if (response.ok || request.accept?.includes(response.status)) return response;
    const text = await response.text().catch(() => "");
    let message = text;
    try {
      message = String(JSON.parse(text).message ?? text);
    } catch { /* not JSON: keep the text */ }
    throw EngineError.rejected(operation, response.status, message || response.statusText);
  }

  /**
   * `/v1.41` or the version negotiated from `GET /version`, asked once per transport (bounded
   * by the request timeout, shared by concurrent callers; a failure is asked again next time).
   */
  #apiPrefix(): Promise<string> {
    this.#prefix ??= this.call("read the engine version", { path: "/version", unversioned: true })
      .then(({ status, body }) => {
        const info = body as { ApiVersion?: unknown; MinAPIVersion?: unknown } | undefined;
        if (typeof info?.ApiVersion !== "string") {
          throw EngineError.malformed(
            "read the engine version",
            status,
            "no ApiVersion in the answer",
          );
        }
        return `/v${negotiateApiVersion(info.ApiVersion, String(info.MinAPIVersion ?? ""))}`;
      });
    this.#prefix.catch(() => (this.#prefix = undefined));
    return this.#prefix;
  }

  #failure(
    operation: string,
    error: unknown,
    signal?: AbortSignal,
    timeout?: { signal: AbortSignal; ms: number },
  ): unknown {
    if (signal?.aborted) return signal.reason;
    if (error instanceof EngineError || error instanceof EngineUnreachableError) return error;
    if (timeout?.signal.aborted) {
      return new EngineUnreachableError(
        this.socketPath,
        `no answer to "${operation}" within ${timeout.ms / 1000}s`,
        error,
      );
    }
    if (DENIED.test(rootCause(error).text)) {
      return EngineUnreachableError.denied(this.socketPath, error);
    }
    return new EngineUnreachableError(this.socketPath, describe(error), error);
  }
}
