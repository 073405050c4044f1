/**
 * A real HTTP server on 127.0.0.1 for tests that play a hostile or faulty registry, token
 * server or admin client peer (runs on Deno and Bun through the runtime adapter).
 *
 * @module
 */
import { runtime } from "./_runtime.ts";

/** Answers one request; `url` is the parsed request URL. */
export type FakeHandler = (request: Request, url: URL) => Response | Promise<Response>;

/** Run `fn` with `handler` serving on 127.0.0.1 (its `host:port` passed in); always stops it. */
export async function withHttp(
  handler: FakeHandler,
  fn: (host: string) => Promise<void>,
): Promise<void> {
  const server = await runtime.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => handler(request, new URL(request.url)),
  });
  try {
    await fn(`127.0.0.1:${server.port}`);
  } finally {
    await server.close();
  }
}
