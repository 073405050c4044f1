/**
 * Signature lookups through the registry client: against a real `docker-registry` 2.8 with
 * token auth (no referrers API: `.sig` tag and fallback tag), and against an in-process
 * registry that has the OCI 1.1 referrers API (which 2.8 cannot show).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../_runtime.ts";
import { startRegistry, USER } from "./_registry-server.ts";
import { pushBundleSignature, pushSimpleSignature } from "./_oci-push.ts";
import {
  descriptor,
  generateKey,
  referrersIndex,
  referringManifest,
  sha256,
  sigstoreBundle,
} from "../_cosign.ts";
import { openImageRegistry } from "../../src/registry/oci-registry.ts";
import { parseVerifyKey } from "../../src/verify/keys.ts";
import { SignatureVerifier } from "../../src/verify/verifier.ts";
import { parseImageUrl } from "../../src/registry/url.ts";

test("registry signatures e2e: docker-registry 2.8 with token auth, .sig and fallback-tag bundles", async () => {
  const registry = await startRegistry("token");
  const home = await mkdtemp(join(tmpdir(), "dewy-home-"));
  try {
    const repo = "signed/app";
    const digests = await registry.push(repo, ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"]);
    const good = generateKey();
    const other = generateKey();
    const source = await openImageRegistry(parseImageUrl(`img://${registry.host}/${repo}`), {
      sources: {
        env: (name) => ({ DOCKER_USERNAME: USER.username, DOCKER_PASSWORD: USER.password })[name],
        homeDir: home,
      },
    });
    const subject = async (tag: string) => {
      const manifest = (await source.manifest(tag))!;
      assert.equal(manifest.digest, digests[tag]);
      return descriptor("application/vnd.docker.distribution.manifest.v2+json", manifest.bytes);
    };
    await pushSimpleSignature(registry, repo, digests["v1.0.0"], good);
    await pushBundleSignature(registry, repo, await subject("v1.1.0"), good);
    await pushSimpleSignature(registry, repo, digests["v1.2.0"], other);

    assert.equal(await source.referrers(digests["v1.0.0"]), undefined, "2.8 has no referrers API");
    assert.equal(await source.manifest("v9.9.9"), undefined);
    assert.equal(await source.blob(sha256("nothing"), 1024), undefined);

    const latest = await source.latest();
    assert.equal(latest.tag, "v1.3.0");
    assert.ok(latest.tags?.includes(`sha256-${digests["v1.0.0"].slice(7)}.sig`));
    const verifier = new SignatureVerifier([parseVerifyKey("good.pub", good.pem)], source);
    const verdict = async (tag: string) =>
      (await verifier.check({ digest: digests[tag], tags: latest.tags })).verdict;
    const v1 = await verdict("v1.0.0");
    assert.ok(v1.signed && v1.format === "simple-signing" && v1.key.path === "good.pub");
    const v11 = await verdict("v1.1.0");
    assert.ok(v11.signed && v11.format === "sigstore-bundle", JSON.stringify(v11));
    assert.equal(v11.location, "fallback tag");
    const v12 = await verdict("v1.2.0");
    assert.ok(!v12.signed);
    assert.match(v12.problems[0], /\.sig tag: signature does not verify with any --verify-key/);
    const v13 = await verdict("v1.3.0");
    assert.ok(!v13.signed);
    assert.match(v13.problems.join("; "), /no \.sig tag; no Sigstore bundle/);
  } finally {
    await registry.stop();
    await rm(home, { recursive: true, force: true });
  }
});

/** A registry with the referrers API: one repository `app`, tag v1.0.0, one bundle referrer. */
async function referrersRegistry(key: ReturnType<typeof generateKey>) {
  const image = new TextEncoder().encode('{"schemaVersion":2,"layers":[]}');
  const digest = sha256(image);
  const bundle = sigstoreBundle(key, digest);
  const referring = referringManifest(
    bundle,
    descriptor("application/vnd.oci.image.manifest.v1+json", image),
  );
  const manifests = new Map([["v1.0.0", image], [digest, image], [sha256(referring), referring]]);
  const requests: string[] = [];
  const server = await runtime.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const { pathname } = new URL(request.url);
      requests.push(`${request.method} ${pathname}`);
      const [, , , kind, reference] = pathname.split("/");
      if (pathname === "/v2/app/tags/list") return Response.json({ name: "app", tags: ["v1.0.0"] });
      const bytes = kind === "manifests"
        ? manifests.get(reference)
        : kind === "blobs" && reference === sha256(bundle)
        ? bundle
        : kind === "referrers" && reference === digest
        ? referrersIndex([referring])
        : undefined;
      if (!bytes) return Response.json({ errors: [{ code: "NOT_FOUND" }] }, { status: 404 });
      const headers = {
        "docker-content-digest": sha256(bytes),
        "content-type": "application/json",
      };
      return new Response(request.method === "HEAD" ? null : new Uint8Array(bytes), { headers });
    },
  });
  return { server, requests, digest };
}

test("registry signatures e2e: a registry with the referrers API; one index, one manifest, one blob", async () => {
  const key = generateKey();
  const { server, requests, digest } = await referrersRegistry(key);
  try {
    const source = await openImageRegistry(parseImageUrl(`img://127.0.0.1:${server.port}/app`), {
      sources: { env: () => undefined, homeDir: "/nonexistent" },
    });
    const latest = await source.latest();
    assert.equal(latest.digest, digest);
    requests.length = 0;
    const verifier = new SignatureVerifier([parseVerifyKey("cosign.pub", key.pem)], source);
    const { verdict } = await verifier.check(latest);
    assert.ok(verdict.signed && verdict.location === "referrers API", JSON.stringify(verdict));
    assert.deepEqual(requests.map((r) => r.split("/")[3] ?? r), [
      "referrers",
      "manifests",
      "blobs",
    ]);
    const wrong = new SignatureVerifier([parseVerifyKey("k.pub", generateKey().pem)], source);
    const refused = (await wrong.check(latest)).verdict;
    assert.ok(!refused.signed);
    assert.match(refused.problems.join("; "), /referrers API: bundle signature does not verify/);
  } finally {
    await server.close();
  }
});
