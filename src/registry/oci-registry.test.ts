/**
 * Registry client behaviour that a real registry cannot be made to show (429, 503, slow
 * answers, token expiry, looping or foreign Link pages, HEAD without digest), against small
 * in-process HTTP servers on 127.0.0.1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { withHttp } from "../../test/_http.ts";
import { OciRegistry, type OciRegistryOptions } from "./oci-registry.ts";
import { parseImageUrl } from "./url.ts";
import { networkFailureMessage } from "./http.ts";
import {
  NoVersionFoundError,
  RegistryAuthError,
  RegistryNotFoundError,
  RegistryProtocolError,
  RegistryRateLimitedError,
  RegistryUnavailableError,
} from "./errors.ts";

const DIGEST = `sha256:${"a".repeat(64)}`;

function registry(host: string, options: OciRegistryOptions = {}, query = ""): OciRegistry {
  return new OciRegistry(parseImageUrl(`img://${host}/team/app${query}`), options);
}

function tagsAndDigest(tags: string[]) {
  return (_request: Request, url: URL): Response => {
    if (url.pathname === "/v2/team/app/tags/list") return Response.json({ name: "team/app", tags });
    if (url.pathname.startsWith("/v2/team/app/manifests/")) {
      return new Response(null, { headers: { "docker-content-digest": DIGEST } });
    }
    return new Response("nope", { status: 404 });
  };
}

test("registry client: latest picks the newest tag and pins its digest", async () => {
  await withHttp(tagsAndDigest(["v1.0.0", "v1.2.0", "latest", "v1.10.0-rc.1"]), async (host) => {
    assert.deepEqual(await registry(host).latest(), {
      tag: "v1.2.0",
      digest: DIGEST,
      registry: host,
      repository: "team/app",
      reference: `${host}/team/app:v1.2.0`,
      pinnedReference: `${host}/team/app@${DIGEST}`,
      tags: ["v1.0.0", "v1.2.0", "latest", "v1.10.0-rc.1"],
    });
  });
});

test("registry client: 429 with Retry-After seconds or date gives retryAfterMs", async () => {
  let retryAfter = "7";
  await withHttp(
    () =>
      new Response('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}', {
        status: 429,
        headers: { "retry-after": retryAfter },
      }),
    async (host) => {
      await assert.rejects(registry(host).latest(), (e: unknown) => {
        assert.ok(e instanceof RegistryRateLimitedError);
        assert.equal(e.status, 429);
        assert.equal(e.retryAfterMs, 7_000);
        assert.match(e.message, /TOOMANYREQUESTS slow down/);
        return true;
      });
      const now = Date.parse("2026-01-01T00:00:00Z");
      retryAfter = "Thu, 01 Jan 2026 00:01:00 GMT";
      await assert.rejects(
        registry(host, { now: () => now }).latest(),
        (e: unknown) => e instanceof RegistryRateLimitedError && e.retryAfterMs === 60_000,
      );
    },
  );
});

test("registry client: 5xx is unavailable, 404 names the repository, 400 is a protocol error", async () => {
  let status = 503;
  const page = "<html>\n  <body>\n    <h1>down for maintenance</h1>\n  </body>\n</html>\n";
  await withHttp(() => new Response(page, { status }), async (host) => {
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) =>
        e instanceof RegistryUnavailableError && e.status === 503 &&
        e.message.includes("<html> <body> <h1>down for maintenance</h1>") &&
        !e.message.includes("\n"),
    );
    status = 404;
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) =>
        e instanceof RegistryNotFoundError &&
        e.message ===
          `repository not found: team/app on ${host} (HTTP 404); ` +
            "check the repository path in --registry, or push an image first",
    );
    status = 400;
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) => e instanceof RegistryProtocolError && e.status === 400,
    );
  });
});

test("registry client: a registry that does not answer in time is unavailable; a caller abort is rethrown", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await withHttp(async () => {
    await held;
    return new Response("late");
  }, async (host) => {
    const started = Date.now();
    await assert.rejects(
      registry(host, { timeoutMs: 200 }).latest(),
      (e: unknown) =>
        e instanceof RegistryUnavailableError && e.message.includes("no answer within 200 ms"),
    );
    assert.ok(Date.now() - started < 5_000);
    const controller = new AbortController();
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(registry(host).latest(controller.signal), (e: unknown) => e === reason);
    release();
  });
});

test("registry client: nothing listening is unavailable", async () => {
  let host = "";
  await withHttp(() => new Response(), (h) => {
    host = h;
    return Promise.resolve();
  });
  await assert.rejects(
    registry(host).latest(),
    (e: unknown) =>
      e instanceof RegistryUnavailableError && e.status === undefined &&
      new RegExp(
        `^cannot reach the registry at https?://${host.replace(/\./g, "\\.")} ` +
          `\\(connection refused\\); check HOST:PORT in --registry and that the registry is running$`,
      ).test(e.message),
  );
});

test("registry client: Bun's and Deno's refused and DNS failures read the same", () => {
  const local = new URL("http://127.0.0.1:5999/v2/");
  const refused = "cannot reach the registry at http://127.0.0.1:5999 (connection refused); " +
    "check HOST:PORT in --registry and that the registry is running";
  const bunRefused = Object.assign(
    new TypeError("ECONNREFUSED: Unable to connect. Is the computer able to access the url?"),
    { code: "ECONNREFUSED" },
  );
  const denoRefused = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (http://127.0.0.1:5999/v2/): client error (Connect): " +
        "tcp connect error: Connection refused (os error 111)",
    ),
  });
  assert.equal(networkFailureMessage(local, bunRefused), refused);
  assert.equal(networkFailureMessage(local, denoRefused), refused);
  const ghcr = new URL("https://ghcr.io/v2/");
  const unresolved = "cannot resolve ghcr.io; check the host in --registry and this machine's DNS";
  const bunDns = Object.assign(new TypeError("getaddrinfo ENOTFOUND ghcr.io"), {
    code: "ENOTFOUND",
  });
  const denoDns = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (https://ghcr.io/v2/): client error (Connect): " +
        "dns error: failed to lookup address information: Name or service not known",
    ),
  });
  assert.equal(networkFailureMessage(ghcr, bunDns), unresolved);
  assert.equal(networkFailureMessage(ghcr, denoDns), unresolved);
  assert.equal(
    networkFailureMessage(new URL("https://auth.example/token"), bunRefused, "token server"),
    "cannot reach the token server at https://auth.example (connection refused); " +
      "check that the token server is up and reachable from this machine",
  );
  assert.equal(
    networkFailureMessage(local, new TypeError("fetch failed", { cause: new Error("reset") })),
    "cannot reach the registry at http://127.0.0.1:5999 (reset); " +
      "check HOST:PORT in --registry and that the registry is running",
  );
});

test("registry client: no tags or no version tags name what was seen", async () => {
  let tags: string[] = [];
  await withHttp((r, u) => tagsAndDigest(tags)(r, u), async (host) => {
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) => e instanceof NoVersionFoundError && /no tags found/.test(e.message),
    );
    tags = ["latest", "main"];
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) =>
        e instanceof NoVersionFoundError && e.message.includes("latest, main") &&
        e.tags.length === 2,
    );
  });
});

/** A fake with token auth: `expired` tokens are refused as a real registry would. */
function tokenRegistry(state: { tokenRequests: number; revoked: Set<string>; expiresIn?: number }) {
  return (request: Request, url: URL): Response => {
    if (url.pathname === "/token") {
      state.tokenRequests++;
      assert.equal(url.searchParams.get("service"), "fake");
      assert.deepEqual(url.searchParams.getAll("scope"), [
        "repository:team/app:pull",
        "repository:other:pull",
      ]);
      assert.equal(request.headers.get("authorization"), `Basic ${btoa("alice:secret")}`);
      return Response.json({
        access_token: `tok${state.tokenRequests}`,
        expires_in: state.expiresIn,
      });
    }
    const auth = request.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ") || state.revoked.has(auth.slice(7))) {
      return new Response("", {
        status: 401,
        headers: {
          "www-authenticate":
            `Bearer realm="http://${url.host}/token",service="fake",scope="repository:team/app:pull repository:other:pull"`,
        },
      });
    }
    return tagsAndDigest(["v1.0.0"])(request, url);
  };
}

test("registry client: bearer token is cached until expires_in and renewed after", async () => {
  const state = { tokenRequests: 0, revoked: new Set<string>(), expiresIn: 300 };
  let now = 1_000_000;
  await withHttp(tokenRegistry(state), async (host) => {
    const reg = registry(host, {
      credentials: { username: "alice", password: "secret" },
      now: () => now,
    });
    await reg.latest();
    await reg.latest();
    assert.equal(state.tokenRequests, 1, "one token for two checks");
    now += 300_000;
    await reg.latest();
    assert.equal(state.tokenRequests, 2, "renewed after expires_in");
  });
});

test("registry client: a revoked token is replaced once, then the request retried", async () => {
  const state = { tokenRequests: 0, revoked: new Set<string>() };
  await withHttp(tokenRegistry(state), async (host) => {
    const reg = registry(host, { credentials: { username: "alice", password: "secret" } });
    await reg.latest();
    state.revoked.add("tok1");
    assert.equal((await reg.latest()).tag, "v1.0.0");
    assert.equal(state.tokenRequests, 2);
  });
});

test("registry client: a token that is refused again is an auth error, not a loop", async () => {
  const state = { tokenRequests: 0, revoked: new Set(["tok1", "tok2", "tok3"]) };
  await withHttp(tokenRegistry(state), async (host) => {
    await assert.rejects(
      registry(host, { credentials: { username: "alice", password: "secret" } }).latest(),
      (e: unknown) =>
        e instanceof RegistryAuthError && e.status === 401 && /DOCKER_USERNAME/.test(e.message) &&
        /alice/.test(e.message),
    );
    assert.equal(state.tokenRequests, 1);
  });
});

test("registry client: unsupported auth scheme and token answers without a token", async () => {
  let challenge = 'Negotiate realm="x"';
  await withHttp((_r, url) => {
    if (url.pathname === "/token") return Response.json({ nothing: true });
    return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
  }, async (host) => {
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) => e instanceof RegistryAuthError && /unsupported auth scheme/.test(e.message),
    );
    challenge = `Bearer realm="http://${host}/token"`;
    await assert.rejects(
      registry(host).latest(),
      (e: unknown) => e instanceof RegistryProtocolError && /no token/.test(e.message),
    );
  });
});

/** A fake that paginates like distribution 3: `n` and `last`, `Link: rel="next"`. */
function paginating(all: string[], seen: string[]) {
  return (request: Request, url: URL): Response => {
    if (url.pathname !== "/v2/team/app/tags/list") return tagsAndDigest([])(request, url);
    seen.push(url.search);
    const n = Number(url.searchParams.get("n") ?? all.length);
    const last = url.searchParams.get("last");
    const start = last ? all.indexOf(last) + 1 : 0;
    const page = all.slice(start, start + n);
    const headers = new Headers();
    if (start + n < all.length) {
      headers.set("link", `</v2/team/app/tags/list?last=${page.at(-1)}&n=${n}>; rel="next"`);
    }
    return Response.json({ name: "team/app", tags: page }, { headers });
  };
}

test("registry client: tags come from every Link page with the page size asked for", async () => {
  const all = Array.from({ length: 23 }, (_, i) => `v1.${i}.0`);
  const seen: string[] = [];
  await withHttp(paginating(all, seen), async (host) => {
    assert.deepEqual(await registry(host, { pageSize: 5 }).tags(), all);
    assert.equal(seen.length, 5);
    assert.equal(seen[0], "?n=5");
    assert.equal(seen[4], "?last=v1.19.0&n=5");
    assert.equal((await registry(host, { pageSize: 5 }).latest()).tag, "v1.22.0");
  });
});

test("registry client: page cap, looping Link and foreign next pages are refused", async () => {
  const all = Array.from({ length: 10 }, (_, i) => `v0.0.${i}`);
  await withHttp(paginating(all, []), async (host) => {
    await assert.rejects(
      registry(host, { pageSize: 2, maxPages: 3 }).tags(),
      (e: unknown) => e instanceof RegistryProtocolError && /more than 3 pages/.test(e.message),
    );
  });
  await withHttp(
    () =>
      Response.json({ tags: ["v1.0.0"] }, {
        headers: { link: '<http://127.0.0.2:1/v2/x>; rel="next"' },
      }),
    async (host) => {
      await assert.rejects(
        registry(host).tags(),
        (e: unknown) => e instanceof RegistryProtocolError && /another host/.test(e.message),
      );
    },
  );
});

test("registry client: HEAD without a digest falls back to GET, using the header or the manifest's sha256", async () => {
  const manifest = '{"schemaVersion":2}';
  const methods: string[] = [];
  let header = true;
  await withHttp((request, url) => {
    if (url.pathname.endsWith("/tags/list")) return Response.json({ tags: ["v1.0.0"] });
    methods.push(request.method);
    assert.match(
      request.headers.get("accept") ?? "",
      /application\/vnd\.oci\.image\.index\.v1\+json/,
    );
    if (request.method === "HEAD" || !header) {
      return new Response(request.method === "HEAD" ? null : manifest);
    }
    return new Response(manifest, { headers: { "docker-content-digest": DIGEST } });
  }, async (host) => {
    assert.equal((await registry(host).latest()).digest, DIGEST);
    assert.deepEqual(methods, ["HEAD", "GET"]);
    header = false;
    const sha = createHash("sha256").update(manifest).digest("hex");
    assert.equal((await registry(host).latest()).digest, `sha256:${sha}`);
  });
});

test("registry client: pullAuth carries the credentials and the registry host", () => {
  const reg = new OciRegistry(parseImageUrl("img://ghcr.io/a/b"), {
    credentials: { username: "u", password: "p" },
  });
  assert.deepEqual(reg.pullAuth(), { username: "u", password: "p", serveraddress: "ghcr.io" });
  assert.equal(new OciRegistry(parseImageUrl("img://ghcr.io/a/b")).pullAuth(), undefined);
});

test("registry client: redirects are followed, the credentials only within the registry's origin", async () => {
  const seen: Record<string, string | null> = {};
  await withHttp((request, url) => {
    seen[`other ${url.pathname}`] = request.headers.get("authorization");
    return Response.json({ tags: ["v4.0.0"] });
  }, async (other) => {
    await withHttp((request, url) => {
      seen[url.pathname] = request.headers.get("authorization");
      if (!request.headers.get("authorization")) {
        return new Response(null, {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="r"' },
        });
      }
      if (url.pathname === "/v2/team/app/tags/list") {
        return Response.redirect(`http://${url.host}/moved/tags`, 307);
      }
      if (url.pathname === "/moved/tags") {
        return Response.redirect(`http://${other}/elsewhere/tags`, 302);
      }
      return new Response("?", { status: 404 });
    }, async (host) => {
      const tags = await registry(host, { credentials: { username: "u", password: "p" } }).tags();
      assert.deepEqual(tags, ["v4.0.0"]);
      assert.equal(
        seen["/moved/tags"],
        `Basic ${btoa("u:p")}`,
        "same origin keeps the credentials",
      );
      assert.equal(seen["other /elsewhere/tags"], null, "another origin does not get them");
    });
  });
});

test("registry client: non-object JSON, bad tags and bad Link headers are protocol errors", async () => {
  let answer = () => new Response("null");
  await withHttp(() => answer(), async (host) => {
    await assert.rejects(
      registry(host).tags(),
      (e: unknown) => e instanceof RegistryProtocolError && /not a JSON object/.test(e.message),
    );
    answer = () => new Response("<html>");
    await assert.rejects(
      registry(host).tags(),
      (e: unknown) => e instanceof RegistryProtocolError && /not JSON/.test(e.message),
    );
    answer = () => Response.json({ tags: "v1.0.0" });
    await assert.rejects(
      registry(host).tags(),
      (e: unknown) => e instanceof RegistryProtocolError && /not a list/.test(e.message),
    );
    answer = () =>
      Response.json({ tags: ["v1.0.0"] }, { headers: { link: '<http://[bad>; rel="next"' } });
    await assert.rejects(
      registry(host).tags(),
      (e: unknown) => e instanceof RegistryProtocolError && /bad Link header/.test(e.message),
    );
    answer = () => Response.json({ name: "team/app", tags: null });
    assert.deepEqual(await registry(host).tags(), []);
  });
});
