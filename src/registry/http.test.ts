/**
 * Redirects a hostile registry or token server can send: `file://` and other schemes are
 * refused, hops are bounded, and every hop passes the realm guard (real HTTP on 127.0.0.1);
 * and `Retry-After` parsing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withHttp } from "../../test/_http.ts";
import { RegistryProtocolError } from "./errors.ts";
import { parseRetryAfter, send } from "./http.ts";
import { OciRegistry } from "./oci-registry.ts";
import { parseImageUrl } from "./url.ts";

/** Run `fn` with a local file holding `content`, as a `file://` URL. */
async function withLocalFile(content: string, fn: (url: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "dewy-redirect-"));
  try {
    const path = join(dir, "secret.json");
    await writeFile(path, content);
    await fn(`file://${path}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const registry = (host: string) =>
  new OciRegistry(parseImageUrl(`img://${host}/team/app`), {
    credentials: { username: "u", password: "p" },
  });

const refusedScheme = (e: unknown) =>
  e instanceof RegistryProtocolError && /file:/.test(e.message) && /http\(s\)/.test(e.message);

test("registry http: a token endpoint redirecting to file:// is refused, nothing read from disk", async () => {
  await withLocalFile('{"token":"FROM-DISK"}', async (file) => {
    const bearers: string[] = [];
    await withHttp((request, url) => {
      if (url.pathname === "/token") {
        return new Response(null, { status: 302, headers: { location: file } });
      }
      const auth = request.headers.get("authorization");
      if (auth) bearers.push(auth);
      if (auth === "Bearer FROM-DISK") return Response.json({ tags: ["v1.0.0"] });
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": `Bearer realm="http://${url.host}/token"` },
      });
    }, async (host) => {
      await assert.rejects(registry(host).tags(), refusedScheme);
      assert.deepEqual(bearers, [], "no token read from the file was sent");
    });
  });
});

test("registry http: a tag list redirecting to file:// is refused", async () => {
  await withLocalFile('{"tags":["v9.9.9"]}', async (file) => {
    await withHttp(
      () => new Response(null, { status: 307, headers: { location: file } }),
      async (host) => {
        await assert.rejects(registry(host).tags(), refusedScheme);
      },
    );
  });
});

test("registry http: at most 5 redirects are followed, then a clear error", async () => {
  let hops = 0;
  await withHttp((_request, url) => {
    hops++;
    return Response.redirect(`http://${url.host}/hop/${hops}`, 302);
  }, async (host) => {
    await assert.rejects(
      send(new URL(`http://${host}/v2/`), {}),
      (e: unknown) => e instanceof RegistryProtocolError && /more than 5 redirects/.test(e.message),
    );
    assert.equal(hops, 6, "the first request and 5 redirects");
  });
});

test("registry http: each redirect hop passes the realm guard of the registry", async () => {
  // The registry looks public (its name resolves to a public address); the hop goes to loopback.
  const lookup = () => Promise.resolve(["93.184.216.34"]);
  let reached = false;
  await withHttp(() => {
    reached = true;
    return Response.json({ token: "t" });
  }, async (inside) => {
    const port = inside.split(":")[1];
    await withHttp(
      () => Response.redirect(`http://[::ffff:127.0.0.1]:${port}/token`, 302),
      async (host) => {
        await assert.rejects(
          send(new URL(`http://${host}/token`), {}, {
            registry: new URL("http://registry.example"),
            lookup,
          }),
          (e: unknown) =>
            e instanceof RegistryProtocolError && /private or loopback/.test(e.message),
        );
      },
    );
  });
  assert.equal(reached, false, "the loopback target was never asked");
});

test("registry auth: Retry-After as seconds, HTTP date, past date and garbage", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("120", now), 120_000);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
