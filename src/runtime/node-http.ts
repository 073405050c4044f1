/**
 * HTTP for the Node adapter: `fetch` over a unix socket with `node:http`'s `socketPath` (the
 * engine's API; Node's own fetch has no unix-socket option), and a `fetch`-style handler
 * (the Hono admin app) served by `node:http`. Bodies stream both ways.
 *
 * @module
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { HttpServer, ServeHttpOptions, UnixFetch } from "./types.ts";

/** Statuses whose response has no body (a `Response` with one throws). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) { for (const v of value) headers.append(name, v); }
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** A `fetch` whose requests go to the unix socket at `socketPath`. */
export function unixFetch(socketPath: string): UnixFetch {
  return async (url, init = {}) => {
    const target = new URL(url);
    const body = init.body == null ? undefined : await new Response(init.body).arrayBuffer();
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    return new Promise<Response>((resolve, reject) => {
      const headers = Object.fromEntries(new Headers(init.headers));
      if (body) headers["content-length"] = String(body.byteLength);
      const request = httpRequest({
        socketPath,
        method: init.method ?? "GET",
        path: target.pathname + target.search,
        headers: { host: target.host, ...headers },
      });
      const abort = () => request.destroy(signal?.reason);
      signal?.addEventListener("abort", abort, { once: true });
      request.once("error", (error) => {
        signal?.removeEventListener("abort", abort);
        reject(signal?.aborted ? signal.reason : error);
      });
      request.once("response", (response) => {
        // The body stream ends (or errors on abort) by itself; the listener goes with it.
        response.once("close", () => signal?.removeEventListener("abort", abort));
        const status = response.statusCode ?? 0;
        const stream = NO_BODY.has(status)
          ? null
          : Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>;
        if (!stream) response.resume();
        resolve(
          new Response(stream, {
            status,
            statusText: response.statusMessage,
            headers: toHeaders(response.headers),
          }),
        );
      });
      request.end(body ? new Uint8Array(body) : undefined);
    });
  };
}

/** The incoming request as a web `Request` (its body streamed, not buffered). */
function toRequest(incoming: IncomingMessage, origin: string): Request {
  const method = incoming.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(incoming.url ?? "/", origin), {
    method,
    headers: toHeaders(incoming.headers),
    body: hasBody ? Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array> : null,
    duplex: "half",
  } as RequestInit);
}

/** Write `response` to `outgoing`, streaming its body. */
async function send(response: Response, outgoing: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [seen, value].flat();
  }
  outgoing.writeHead(response.status, response.statusText, headers);
  if (!response.body) return void outgoing.end();
  // pipeline: backpressure, and a client that goes away cancels the body.
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream), outgoing);
}

/** Serve `options.fetch` on `hostname:port`; rejects when the port is in use. */
export function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  const server = createServer((incoming, outgoing) => {
    const origin = `http://${incoming.headers.host ?? `${options.hostname}:${address()}`}`;
    Promise.resolve()
      .then(() => options.fetch(toRequest(incoming, origin)))
      .then((response) => send(response, outgoing))
      .catch(() => {
        if (!outgoing.headersSent) outgoing.writeHead(500).end();
        else outgoing.destroy();
      });
  });
  const address = () => {
    const bound = server.address();
    return typeof bound === "object" && bound ? bound.port : options.port;
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.hostname, port: options.port }, () => {
      server.off("error", reject);
      resolve({
        port: address(),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
