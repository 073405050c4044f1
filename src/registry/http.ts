/**
 * One registry HTTP exchange: timeout, network failures and non-2xx answers turned into
 * typed {@link RegistryError}s, and bounded body reads.
 *
 * @module
 */
import { readBodyAtMost } from "../body.ts";
import { oneLine, rootCause } from "../errors.ts";
import {
  RegistryAuthError,
  type RegistryError,
  RegistryNotFoundError,
  RegistryProtocolError,
  RegistryRateLimitedError,
  RegistryTooLargeError,
  RegistryUnavailableError,
} from "./errors.ts";
import { checkRealm, type Lookup } from "./realm-guard.ts";

/** Registry HTTP request timeout. */
const REGISTRY_TIMEOUT_MS = 30_000;
/** Cap on a registry response body read into memory (tag lists, manifests, tokens): 10 MiB. */
const REGISTRY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of {@link send}. */
export interface SendOptions {
  /** Timeout of the whole exchange, body included (default `REGISTRY_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Cancels the request; the caller's reason is rethrown as is. */
  signal?: AbortSignal;
  /** Who is asked, for the messages of network failures (default `"registry"`). */
  peer?: "registry" | "token server";
  /**
   * The registry the exchange is for: every redirect target must pass the realm guard against
   * it (default: the first URL's origin, so only the scheme and http-from-https are checked).
   */
  registry?: URL;
  /** Name resolution of the realm guard (default: the system resolver). */
  lookup?: Lookup;
}

/** Redirects followed by {@link send}; one more is a `RegistryProtocolError`. */
const MAX_REDIRECTS = 5;

/**
 * Send one request, following at most 5 http(s) redirects that each pass the realm guard (the
 * `authorization` header is dropped when a redirect leaves the origin). Resolves with any
 * HTTP response; rejects with a `RegistryUnavailableError` when the server cannot be reached
 * or is too slow, and a `RegistryProtocolError` for a refused or endless redirect. The timeout
 * covers reading the body too.
 */
export async function send(
  url: URL,
  init: RequestInit & { headers?: Record<string, string> },
  options: SendOptions = {},
): Promise<Response> {
  const timeoutMs = options.timeoutMs ?? REGISTRY_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let headers = init.headers;
  for (let hops = 0;; hops++) {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers,
        signal,
        redirect: "manual",
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const message = timeout.aborted
        ? unreachable(url, `no answer within ${timeoutMs} ms`, options.peer)
        : networkFailureMessage(url, error, options.peer);
      throw new RegistryUnavailableError(message, { cause: error });
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || !location) return response;
    await response.body?.cancel();
    const next = await redirectTarget(url, location, hops, options);
    if (next.origin !== url.origin && headers?.authorization) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}

/** Where the redirect of `url` to `location` goes, refused unless it passes the realm guard. */
async function redirectTarget(
  url: URL,
  location: string,
  hops: number,
  options: SendOptions,
): Promise<URL> {
  if (hops === MAX_REDIRECTS) {
    throw new RegistryProtocolError(
      `${url.origin} sent more than ${MAX_REDIRECTS} redirects (last to ${location}); is it looping?`,
    );
  }
  let next: URL;
  try {
    next = new URL(location, url);
  } catch (error) {
    throw new RegistryProtocolError(`${url.origin} redirected to a bad URL "${location}"`, {
      cause: error,
    });
  }
  await checkRealm(next, options.registry ?? new URL(url.origin), options.lookup, "redirect to");
  return next;
}

/** A connection refused, as Bun (`ECONNREFUSED`) and Deno (`Connection refused (os error 111)`) say it. */
const REFUSED = /ECONNREFUSED|connection refused|os error 111\)/i;
/** A failed name lookup: Bun `getaddrinfo ENOTFOUND host`, Deno `dns error: failed to lookup address …`. */
const UNRESOLVED = /ENOTFOUND|EAI_AGAIN|getaddrinfo|dns error|failed to lookup address/i;

/** `cannot reach the registry at ORIGIN (why); what to check`. */
function unreachable(url: URL, why: string, peer: SendOptions["peer"] = "registry"): string {
  const check = peer === "registry"
    ? "check HOST:PORT in --registry and that the registry is running"
    : "check that the token server is up and reachable from this machine";
  return `cannot reach the ${peer} at ${url.origin} (${why}); ${check}`;
}

/**
 * One line for a failed `fetch` of `url`, the same on Bun and Deno: connection refused, name
 * not resolved, or the deepest message; each with what to check.
 *
 * @example `cannot resolve ghcr.io; check the host in --registry and this machine's DNS`
 */
export function networkFailureMessage(
  url: URL,
  error: unknown,
  peer: SendOptions["peer"] = "registry",
): string {
  const { message, text } = rootCause(error);
  if (UNRESOLVED.test(text)) {
    const where = peer === "registry" ? "the host in --registry" : "the token server's host";
    return `cannot resolve ${url.hostname}; check ${where} and this machine's DNS`;
  }
  return unreachable(url, REFUSED.test(text) ? "connection refused" : message, peer);
}

/** The body of `response` parsed as a JSON object; a `RegistryProtocolError` otherwise. */
export async function readJsonObject(
  response: Response,
  action: string,
): Promise<Record<string, unknown>> {
  return parseJsonObject(await readText(response), action);
}

/** `text` parsed as a JSON object; a `RegistryProtocolError` starting with `action` otherwise. */
export function parseJsonObject(text: string, action: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new RegistryProtocolError(`${action}: answer is not JSON`, { cause: error });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RegistryProtocolError(`${action}: answer is not a JSON object`);
  }
  return body as Record<string, unknown>;
}

/** The body of `response` as text, refusing bodies over `REGISTRY_MAX_BODY_BYTES`. */
export async function readText(
  response: Response,
  limit = REGISTRY_MAX_BODY_BYTES,
): Promise<string> {
  return new TextDecoder().decode(await readBytes(response, limit));
}

/** The body of `response` as bytes, refusing bodies over `limit` bytes. */
export async function readBytes(
  response: Response,
  limit = REGISTRY_MAX_BODY_BYTES,
): Promise<Uint8Array> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readBodyAtMost(response, limit);
  } catch (error) {
    throw new RegistryUnavailableError(
      `reading the answer of ${response.url}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (bytes) return bytes;
  throw new RegistryTooLargeError(
    `response of ${response.url} is larger than ${limit} bytes`,
    limit,
  );
}

/** Parse a `Retry-After` value (delay in seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The registry's own explanation from an error body (`{"errors":[{"message":…}]}`), if any. */
async function detail(response: Response): Promise<string> {
  let text: string;
  try {
    text = (await readText(response, 64 * 1024)).trim();
  } catch {
    return "";
  }
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(" ")}`;
  } catch {
    // Not JSON: show the start of the text.
  }
  // HTML error pages of proxies and CDNs span many lines: keep the log line one line.
  return text ? `: ${oneLine(text).slice(0, 200)}` : "";
}

/** What a failing request was doing, for the error messages. */
export interface Failing {
  /** `listing tags of 127.0.0.1:5000/app`, `token from https://auth.example/token`. */
  action: string;
  /** Message of a 404. */
  notFound: string;
  /** What to do about a 404, appended after `(HTTP 404)`. */
  notFoundHint?: string;
}

/** The typed error for a non-2xx `response` (the body is consumed). */
export async function responseError(
  response: Response,
  failing: Failing,
  now?: number,
): Promise<RegistryError> {
  const status = response.status;
  const text = `${failing.action}: HTTP ${status}${await detail(response)}`;
  if (status === 401 || status === 403) return new RegistryAuthError(text, { status });
  if (status === 404) {
    const hint = failing.notFoundHint ? `; ${failing.notFoundHint}` : "";
    return new RegistryNotFoundError(`${failing.notFound} (HTTP 404)${hint}`, { status });
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now);
    return new RegistryRateLimitedError(`${text}: rate limited, retry later`, retryAfterMs, {
      status,
    });
  }
  if (status >= 500) return new RegistryUnavailableError(text, { status });
  return new RegistryProtocolError(text, { status });
}
