/**
 * The registry watcher against a real Debian `docker-registry` (distribution 2.8) that each
 * test starts itself: plain, htpasswd (bcrypt) basic auth and bearer-token auth.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../_runtime.ts";
import { parseImageUrl } from "../../src/registry/url.ts";
import {
  type RegistryAuthMode,
  startRegistry,
  type TestRegistry,
  USER,
} from "./_registry-server.ts";
import {
  openImageRegistry,
  type OpenImageRegistryOptions,
} from "../../src/registry/oci-registry.ts";
import {
  RegistryAuthError,
  RegistryNotFoundError,
  RegistryUnavailableError,
} from "../../src/registry/errors.ts";

async function withRegistry(
  mode: RegistryAuthMode,
  fn: (registry: TestRegistry, home: string) => Promise<void>,
) {
  const registry = await startRegistry(mode);
  const home = await mkdtemp(join(tmpdir(), "dewy-home-"));
  try {
    await fn(registry, home);
  } finally {
    await registry.stop();
    await rm(home, { recursive: true, force: true });
  }
}

/** Open `url` with only `env` as environment and `home` as the home directory. */
function open(
  url: string,
  home: string,
  env: Record<string, string> = {},
  options: Omit<OpenImageRegistryOptions, "sources"> & { calver?: string } = {},
) {
  const { calver, ...rest } = options;
  return openImageRegistry(parseImageUrl(url, { calver }), {
    ...rest,
    sources: { env: (name) => env[name], homeDir: home },
  });
}

const CREDS = { DOCKER_USERNAME: USER.username, DOCKER_PASSWORD: USER.password };

test("registry e2e: plain registry, newest semver and its real manifest digest", async () => {
  await withRegistry("none", async (registry, home) => {
    const digests = await registry.push("team/app", [
      "v1.0.0",
      "v1.10.0",
      "v1.9.0",
      "latest",
      "v2.0.0-rc.1",
    ]);
    const watcher = await open(`img://${registry.host}/team/app`, home);
    const { tags, ...latest } = await watcher.latest(AbortSignal.timeout(30_000));
    assert.deepEqual([...tags!].sort(), ["latest", "v1.0.0", "v1.10.0", "v1.9.0", "v2.0.0-rc.1"]);
    assert.deepEqual(latest, {
      tag: "v1.10.0",
      digest: digests["v1.10.0"],
      registry: registry.host,
      repository: "team/app",
      reference: `${registry.host}/team/app:v1.10.0`,
      pinnedReference: `${registry.host}/team/app@${digests["v1.10.0"]}`,
    });
    assert.equal(watcher.pullAuth(), undefined);
    const pre = await open(`img://${registry.host}/team/app?pre-release=true`, home);
    assert.equal((await pre.latest()).tag, "v2.0.0-rc.1");
  });
});

test("registry e2e: a re-pushed tag resolves to its new digest", async () => {
  await withRegistry("none", async (registry, home) => {
    const first = await registry.push("app", ["v1.0.0"]);
    const watcher = await open(`img://${registry.host}/app`, home);
    assert.equal((await watcher.latest()).digest, first["v1.0.0"]);
    const second = await registry.push("app", ["v1.0.0"]);
    assert.notEqual(second["v1.0.0"], first["v1.0.0"]);
    assert.equal((await watcher.latest()).digest, second["v1.0.0"]);
  });
});

test("registry e2e: calver tags with --calver", async () => {
  await withRegistry("none", async (registry, home) => {
    const digests = await registry.push("cal", [
      "2024.12.01",
      "2025.01.15",
      "2025.01.02",
      "v9.9.9",
    ]);
    const watcher = await open(`img://${registry.host}/cal`, home, {}, { calver: "YYYY.0M.0D" });
    const latest = await watcher.latest();
    assert.equal(latest.tag, "2025.01.15");
    assert.equal(latest.digest, digests["2025.01.15"]);
  });
});

test("registry e2e: many tags with a page size (distribution 2.8 answers in one page)", async () => {
  await withRegistry("none", async (registry, home) => {
    const tags = Array.from({ length: 60 }, (_, i) => `v0.${i}.${i % 7}`);
    await registry.push("many", tags);
    const watcher = await open(`img://${registry.host}/many`, home, {}, { pageSize: 7 });
    assert.deepEqual([...await watcher.tags()].sort(), [...tags].sort());
    assert.equal((await watcher.latest()).tag, "v0.59.3");
  });
});

test("registry e2e: unknown repository is not-found naming it; stopped registry is unavailable", async () => {
  await withRegistry("none", async (registry, home) => {
    await registry.push("app", ["v1.0.0"]);
    const missing = await open(`img://${registry.host}/no/such-repo`, home);
    await assert.rejects(missing.latest(), (e: unknown) => {
      assert.ok(e instanceof RegistryNotFoundError, String(e));
      assert.equal(e.status, 404);
      assert.match(e.message, /repository not found: no\/such-repo/);
      return true;
    });
    const watcher = await open(`img://${registry.host}/app`, home);
    await registry.stop();
    await assert.rejects(
      watcher.latest(),
      (e: unknown) => e instanceof RegistryUnavailableError && e.message.includes(registry.host),
    );
  });
});

test("registry e2e: htpasswd basic auth with env credentials, wrong password and no credentials", async () => {
  await withRegistry("htpasswd", async (registry, home) => {
    const digests = await registry.push("private/app", ["v1.0.0", "v1.1.0"]);
    const url = `img://${registry.host}/private/app`;
    const watcher = await open(url, home, CREDS);
    const latest = await watcher.latest();
    assert.equal(latest.tag, "v1.1.0");
    assert.equal(latest.digest, digests["v1.1.0"]);
    assert.deepEqual(watcher.pullAuth(), { ...USER, serveraddress: registry.host });
    const wrong = await open(url, home, { ...CREDS, DOCKER_PASSWORD: "wrong" });
    await assert.rejects(wrong.latest(), (e: unknown) => {
      assert.ok(e instanceof RegistryAuthError, String(e));
      assert.equal(e.status, 401);
      assert.match(
        e.message,
        /as user "dewy".*check DOCKER_USERNAME\/DOCKER_PASSWORD or ~\/\.docker\/config\.json/,
      );
      return true;
    });
    await assert.rejects(
      (await open(url, home)).latest(),
      (e: unknown) =>
        e instanceof RegistryAuthError && e.status === 401 && /without credentials/.test(e.message),
    );
  });
});

test("registry e2e: htpasswd credentials from ~/.docker/config.json auths", async () => {
  await withRegistry("htpasswd", async (registry, home) => {
    await registry.push("private/app", ["v3.0.0"]);
    await mkdir(join(home, ".docker"));
    const auth = btoa(`${USER.username}:${USER.password}`);
    await writeFile(
      join(home, ".docker", "config.json"),
      JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }),
    );
    const watcher = await open(`img://${registry.host}/private/app`, home);
    assert.equal((await watcher.latest()).tag, "v3.0.0");
    assert.deepEqual(watcher.pullAuth(), { ...USER, serveraddress: registry.host });
  });
});

test("registry e2e: bearer token auth, token cached across checks, wrong password refused", async () => {
  await withRegistry("token", async (registry, home) => {
    const digests = await registry.push("org/svc", ["v0.1.0", "v0.2.0"]);
    const url = `img://${registry.host}/org/svc`;
    registry.tokenRequests.length = 0;
    const watcher = await open(url, home, CREDS);
    const latest = await watcher.latest();
    assert.equal(latest.tag, "v0.2.0");
    assert.equal(latest.digest, digests["v0.2.0"]);
    assert.equal((await watcher.latest()).tag, "v0.2.0");
    assert.deepEqual(registry.tokenRequests, [
      "?service=dewy-test-registry&scope=repository%3Aorg%2Fsvc%3Apull",
    ]);
    const wrong = await open(url, home, { ...CREDS, DOCKER_PASSWORD: "nope" });
    await assert.rejects(wrong.latest(), (e: unknown) => {
      assert.ok(e instanceof RegistryAuthError, String(e));
      assert.equal(e.status, 401);
      assert.match(e.message, /token from http:\/\/127\.0\.0\.1:\d+\/token/);
      return true;
    });
  });
});

/**
 * distribution 2.8 ignores `n` on tag lists, so pagination is shown by a thin front that
 * forwards every request (auth included) to the real token-auth registry and serves its tag
 * list in `n`-sized pages with `Link: rel="next"`, as distribution 3 does.
 */
test("registry e2e: paginated tag list through the real token-auth registry, token on every page", async () => {
  await withRegistry("token", async (registry, home) => {
    const tags = Array.from({ length: 25 }, (_, i) => `v1.${i}.0`);
    const digests = await registry.push("paged/app", tags);
    const pages: { query: string; authorized: boolean }[] = [];
    const front = await runtime.serveHttp({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        const url = new URL(request.url);
        const headers: Record<string, string> = { accept: request.headers.get("accept") ?? "*/*" };
        const authorization = request.headers.get("authorization");
        if (authorization) headers.authorization = authorization;
        const upstream = await fetch(`http://${registry.host}${url.pathname}`, {
          method: request.method,
          headers,
        });
        if (!url.pathname.endsWith("/tags/list") || !upstream.ok) return upstream;
        pages.push({ query: url.search, authorized: authorization !== null });
        const all = ((await upstream.json()) as { tags: string[] }).tags.sort();
        const n = Number(url.searchParams.get("n"));
        const start = url.searchParams.has("last")
          ? all.indexOf(url.searchParams.get("last")!) + 1
          : 0;
        const page = all.slice(start, start + n);
        const link = start + n < all.length
          ? `<${url.pathname}?n=${n}&last=${page.at(-1)}>; rel="next"`
          : "";
        return Response.json({ name: "paged/app", tags: page }, { headers: link ? { link } : {} });
      },
    });
    try {
      const watcher = await open(`img://127.0.0.1:${front.port}/paged/app`, home, CREDS, {
        pageSize: 4,
      });
      const latest = await watcher.latest();
      assert.equal(latest.tag, "v1.24.0");
      assert.equal(latest.digest, digests["v1.24.0"]);
      assert.equal(pages.length, 7, "25 tags in pages of 4");
      assert.deepEqual(pages.map((p) => p.authorized), [true, true, true, true, true, true, true]);
      assert.equal(pages[0].query, "?n=4");
      assert.equal(
        registry.tokenRequests.length,
        1 + 1,
        "one token for the push, one for all pages",
      );
    } finally {
      await front.close();
    }
  });
});
