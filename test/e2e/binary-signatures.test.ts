/**
 * e2e: `--verify-key` with the compiled binary on the real engine and registry of
 * `engine-up.sh` (docker-registry 2.8, no referrers API). A signed v1.0.0 is deployed; an
 * unsigned v1.1.0 and a v1.2.0 signed with another key are refused while v1.0.0 keeps
 * serving a request loop without a failure; a v1.3.0 signed the legacy way (`.sig` tag) and a
 * v1.4.0 signed with a Sigstore bundle (fallback tag) are deployed. Signatures are made here,
 * with keys from node:crypto, and pushed through the registry's HTTP API.
 *
 * Needs: eval "$(bash test/services/engine-up.sh)"
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { generateKey } from "../_cosign.ts";
import { httpPusher, pushBundleSignature, pushSimpleSignature, retag } from "./_oci-push.ts";
import {
  DEWY_BIN,
  dewyPorts,
  needsBinary,
  pushApp,
  REGISTRY,
  removeTestApp,
  requestLoop,
  run,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

const BASE = `http://${REGISTRY}`;

test(
  "binary signatures: a --verify-key that is no public key exits 2 naming the file",
  needsBinary(),
  async () => {
    const { port, adminPort } = await dewyPorts();
    const result = run(DEWY_BIN, [
      ...["container", "--registry", `img://${REGISTRY}/app`, "--port", String(port)],
      ...["--admin-port", String(adminPort), "--verify-key", "/nonexistent/cosign.pub"],
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr.trim(),
      /^[^\n]*--verify-key \/nonexistent\/cosign\.pub: cannot read the file \(ENOENT\)[^\n]*$/,
    );
  },
);

test(
  "binary signatures: only versions signed by --verify-key are deployed; the running one keeps serving",
  needsBinary(),
  async () => {
    const repo = uniqueName("signed-app");
    const pusher = httpPusher(BASE);
    const good = generateKey();
    const other = generateKey();
    const dir = mkdtempSync(`${tmpdir()}/dewy-keys-`);
    const keyPath = `${dir}/cosign.pub`;
    writeFileSync(keyPath, good.pem);
    const digests: string[] = [];
    /** Build `version` under a pre-release tag dewy ignores, sign it, then tag it: no race. */
    const pushSigned = async (version: string, sign: (digest: string) => Promise<unknown>) => {
      const digest = pushApp(repo, `${version}-pending`);
      digests.push(digest);
      const signed = await sign(digest);
      digests.push(...[signed].flat() as string[]);
      await retag(BASE, repo, `v${version}-pending`, `v${version}`);
      return digest;
    };
    const legacy = (key: typeof good) => (digest: string) =>
      pushSimpleSignature(pusher, repo, digest, key);

    const v1 = await pushSigned("1.0.0", legacy(good));
    const { port, adminPort } = await dewyPorts();
    const dewy = startDewyContainer(repo, { port, adminPort }, [
      ...["--verify-key", keyPath, "--interval", "1", "--drain-time", "1"],
      ...["--telemetry", "--log-level", "debug"],
    ]);
    let traffic: ReturnType<typeof requestLoop> | undefined;
    try {
      await dewy.waitForLine(/Signature verified.*version=v1\.0\.0.*format=simple-signing/, 90_000);
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
      traffic = requestLoop(port, { maxMs: 240_000, maxCount: 40_000 });
      const status = await (await fetch(`http://127.0.0.1:${adminPort}/api/status`)).json();
      assert.equal(status.current_digest, v1);
      assert.deepEqual(status.verification.keys.map((k: { path: string }) => k.path), [keyPath]);
      assert.equal(status.verification.enabled, true);
      assert.equal(status.verification.signed_by.path, keyPath);
      assert.equal(status.verification.signed_by.format, "simple-signing");
      const text = run(DEWY_BIN, ["container", "status", "--admin-port", String(adminPort)]);
      assert.ok(
        text.stdout.includes(`signatures:  checked; the running version is signed by ${keyPath}`),
        `${text.stdout}${text.stderr}`,
      );
      const sentBefore = traffic.results.length;

      // Unsigned: refused once, then quietly (debug) at every check.
      const v11 = pushApp(repo, "1.1.0");
      digests.push(v11);
      const refused = await dewy.waitForLine(/level=ERROR msg="Version refused.*version=v1\.1\.0/);
      assert.ok(refused.includes(v11), refused);
      assert.match(refused, /problems="no \.sig tag; no Sigstore bundle/);
      await waitForCount(dewy.lines, /Version still refused.*version=v1\.1\.0/, 3);
      assert.equal(dewy.lines.filter((l) => /level=ERROR.*v1\.1\.0/.test(l)).length, 1);

      // Signed with a key dewy was not given: refused.
      const v12 = await pushSigned("1.2.0", legacy(other));
      const wrong = await dewy.waitForLine(/level=ERROR msg="Version refused.*version=v1\.2\.0/);
      assert.ok(wrong.includes(v12), wrong);
      assert.match(wrong, /signature does not verify with any --verify-key/);
      await waitForCount(dewy.lines, /Version still refused.*version=v1\.2\.0/, 2);
      assert.ok(traffic.results.length > sentBefore, "requests ran while versions were refused");
      assert.deepEqual([...new Set(traffic.results)], ["1.0.0-pending"]);

      // Signed correctly the legacy way, then with a Sigstore bundle under the fallback tag.
      await pushSigned("1.3.0", legacy(good));
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.3\.0/, 120_000);
      await pushSigned("1.4.0", async (digest) => {
        const manifest = await fetch(`${BASE}/v2/${repo}/manifests/${digest}`, {
          headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
        });
        const bytes = new Uint8Array(await manifest.arrayBuffer());
        const mediaType = manifest.headers.get("content-type")!;
        return pushBundleSignature(pusher, repo, { mediaType, size: bytes.length, digest }, good);
      });
      await dewy.waitForLine(
        /Signature verified.*version=v1\.4\.0.*format=sigstore-bundle/,
        120_000,
      );
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.4\.0/, 120_000);
      await traffic.stop();
      assert.deepEqual(traffic.failures(), [], `of ${traffic.results.length} requests`);
      assert.ok(traffic.results.includes("1.4.0-pending"), [...new Set(traffic.results)].join(","));

      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      const errors = /^dewy_deployment_errors_total\{[^}]*\} (\d+)/m.exec(metrics);
      assert.equal(
        errors?.[1],
        "2",
        metrics.split("\n").filter((l) => /errors/.test(l)).join("\n"),
      );
    } finally {
      await traffic?.stop();
      await dewy.stop("SIGTERM");
      await removeTestApp(repo, repo, digests);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Wait (bounded) until `count` lines match `pattern`. */
async function waitForCount(lines: string[], pattern: RegExp, count: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (lines.filter((l) => pattern.test(l)).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} lines match ${pattern}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
