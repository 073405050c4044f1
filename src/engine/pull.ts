/**
 * `POST /images/create`: pull an image by tag or digest, credentials in `X-Registry-Auth`,
 * the progress stream parsed line by line into {@link PullProgress} events.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { decodePullProgress } from "./decode.ts";
import { readJsonLines } from "./json-lines.ts";
import type { EngineTransport } from "./transport.ts";
import type { PullProgress, RegistryAuth } from "./types.ts";

/** Options of {@link pullImage}. */
export interface PullOptions {
  /** Registry credentials. */
  auth?: RegistryAuth;
  /** Called for every progress line. */
  onProgress?: (progress: PullProgress) => void;
  /** Cancels the pull. */
  signal?: AbortSignal;
}

/**
 * Split an image reference into the `fromImage` and `tag` query parameters:
 * `repo@sha256:…` → tag `sha256:…`; `host:5000/repo:v1` → tag `v1`; no tag → `latest`.
 */
export function splitImageReference(image: string): { fromImage: string; tag: string } {
  const at = image.indexOf("@");
  if (at >= 0) return { fromImage: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  if (colon > image.lastIndexOf("/")) {
    return { fromImage: image.slice(0, colon), tag: image.slice(colon + 1) };
  }
  return { fromImage: image, tag: "latest" };
}

/**
 * The `X-Registry-Auth` header value: the credentials as JSON in base64url *with* `=` padding
 * (Docker decodes it with Go's padded `base64.URLEncoding`; unpadded, it silently drops the auth).
 */
export function registryAuthHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString("base64").replace(/\+/g, "-").replace(
    /\//g,
    "_",
  );
}

/**
 * Pull `image` and resolve when the engine reports the stream finished without error.
 * @throws {EngineError} on an HTTP error or an `error` line in the stream
 */
export async function pullImage(
  transport: EngineTransport,
  image: string,
  options: PullOptions = {},
): Promise<void> {
  const operation = `pull ${image}`;
  const response = await transport.stream(operation, {
    method: "POST",
    path: "/images/create",
    query: splitImageReference(image),
    headers: options.auth ? { "X-Registry-Auth": registryAuthHeader(options.auth) } : {},
    signal: options.signal,
  });
  if (!response.body) return;
  try {
    for await (const line of readJsonLines(response.body, operation)) {
      const progress = decodePullProgress(line, operation);
      options.onProgress?.(progress);
    }
  } catch (error) {
    throw transport.streamFailure(operation, error, options.signal);
  }
}
