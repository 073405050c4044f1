import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import {
  descriptor,
  generateKey,
  referrersIndex,
  referringManifest,
  sha256,
  sigManifest,
  signatureFixtures,
  signBytes,
  sigstoreBundle,
  simpleSigningPayload,
} from "../../test/_cosign.ts";
import { checkBundle } from "./bundle.ts";
import { parseVerifyKey, readVerifyKeys } from "./keys.ts";
import { verifyImage } from "./lookup.ts";
import { MemorySource } from "./_memory-source.ts";
import type { Verdict } from "./types.ts";

const FIXTURES = signatureFixtures();

const read = (path: string) => new Uint8Array(readFileSync(`${FIXTURES}/${path}`));
const keysOf = (...paths: string[]) => readVerifyKeys(paths.map((p) => `${FIXTURES}/${p}`));
const tagOf = (digest: string) => `sha256-${digest.slice("sha256:".length)}`;

function assertSigned(verdict: Verdict, keyPath: string, format: string, location: RegExp) {
  assert.ok(verdict.signed, `not signed: ${!verdict.signed && verdict.problems.join("; ")}`);
  assert.equal(verdict.key.path, `${FIXTURES}/${keyPath}`);
  assert.equal(verdict.format, format);
  assert.match(verdict.location, location);
}

function assertUnsigned(verdict: Verdict, problem: RegExp) {
  assert.ok(!verdict.signed, "signed, but should not be");
  assert.match(verdict.problems.join("; "), problem);
}

// --- legacy: cosign v3.0.4 classic attached .sig, exact manifest and payload bytes ---------
const ATTACHED = "sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268";

function attachedSource(payload = read("legacy/cosign-v3-attached/payload.json")) {
  const source = new MemorySource();
  source.putManifest(read("legacy/cosign-v3-attached/sig-manifest.json"), `${tagOf(ATTACHED)}.sig`);
  const layer =
    JSON.parse(Buffer.from(read("legacy/cosign-v3-attached/sig-manifest.json")).toString())
      .layers[0];
  source.blobs.set(layer.digest, payload);
  return source;
}

test("verify legacy: cosign v3's .sig (real fixture) verifies for its digest, one manifest and one blob", async () => {
  const source = attachedSource();
  const keys = keysOf("legacy/containers-image/cosign.pub", "legacy/cosign-v3-attached/cosign.pub");
  const tags = ["v1", `${tagOf(ATTACHED)}.sig`];
  const verdict = await verifyImage(source, keys, { digest: ATTACHED, tags });
  assertSigned(verdict, "legacy/cosign-v3-attached/cosign.pub", "simple-signing", /^\.sig tag$/);
  assert.deepEqual(source.reads.map((r) => r.split(" ")[0]), ["manifest", "blob"]);
});

test("verify legacy: the real .sig is refused with another key, for another digest, or tampered", async () => {
  const other = await verifyImage(attachedSource(), keysOf("legacy/containers-image/cosign.pub"), {
    digest: ATTACHED,
  });
  assertUnsigned(other, /\.sig tag: signature does not verify with any --verify-key/);
  const payload = read("legacy/cosign-v3-attached/payload.json");
  const tampered = new Uint8Array(payload);
  tampered[tampered.length - 3] ^= 1;
  const flipped = await verifyImage(
    attachedSource(tampered),
    keysOf("legacy/cosign-v3-attached/cosign.pub"),
    {
      digest: ATTACHED,
    },
  );
  assertUnsigned(flipped, /blob sha256:3a29d26a\S+ has digest sha256:/);
  // The same signature presented for another digest: the payload binds it to its own.
  const source = attachedSource();
  const elsewhere = "sha256:" + "1".repeat(64);
  source.manifests.set(`${tagOf(elsewhere)}.sig`, source.manifests.get(`${tagOf(ATTACHED)}.sig`)!);
  const moved = await verifyImage(source, keysOf("legacy/cosign-v3-attached/cosign.pub"), {
    digest: elsewhere,
  });
  assertUnsigned(moved, new RegExp(`signature is for "${ATTACHED}", not for ${elsewhere}`));
});

// --- legacy: containers/image fixtures (real payloads and signatures, one per file) -----------
function cImageLayer(path: string): [Uint8Array, string] {
  const raw = Buffer.from(read(path));
  const prefix = "\x00sigstore-json\n";
  assert.equal(raw.subarray(0, prefix.length).toString("latin1"), prefix);
  const body = JSON.parse(raw.subarray(prefix.length).toString("utf8"));
  return [
    Buffer.from(body.payload, "base64"),
    body.annotations["dev.cosignproject.cosign/signature"],
  ];
}

function cImageSource(digest: string, layers: [Uint8Array, string][]) {
  const source = new MemorySource();
  source.putManifest(sigManifest(layers), `${tagOf(digest)}.sig`);
  for (const [payload] of layers) source.putBlob(payload);
  return source;
}

test("verify legacy: containers/image fixtures verify for the sha256 of their manifest.json", async () => {
  const cases = [
    ["valid", "legacy/containers-image/cosign.pub"],
    ["valid-with-tag", "legacy/containers-image/cosign.pub"],
    ["key-rekor-valid", "legacy/containers-image/cosign2.pub"],
  ];
  for (const [name, key] of cases) {
    const digest = sha256(read(`legacy/containers-image/${name}/manifest.json`));
    const source = cImageSource(digest, [
      cImageLayer(`legacy/containers-image/${name}/signature-1`),
    ]);
    assertSigned(
      await verifyImage(source, keysOf(key), { digest }),
      key,
      "simple-signing",
      /^\.sig tag$/,
    );
  }
  const digest = sha256(read("legacy/containers-image/key-rekor-valid/manifest.json"));
  const source = cImageSource(digest, [
    cImageLayer("legacy/containers-image/key-rekor-valid/signature-1"),
  ]);
  assertUnsigned(
    await verifyImage(source, keysOf("legacy/containers-image/cosign.pub"), { digest }),
    /does not verify/,
  );
});

test("verify legacy: any layer may pass; an unknown key's layer alone does not", async () => {
  const digest = sha256(read("legacy/containers-image/valid/manifest.json"));
  const unknown = cImageLayer("legacy/containers-image/unknown-key.signature");
  const second = cImageLayer("legacy/containers-image/second-signature/signature-2");
  const keys = keysOf("legacy/containers-image/cosign.pub", "legacy/containers-image/cosign2.pub");
  const both = cImageSource(digest, [unknown, [unknown[0], "%%%"], second]);
  assertSigned(
    await verifyImage(both, keys, { digest }),
    "legacy/containers-image/cosign.pub",
    "simple-signing",
    /^\.sig tag$/,
  );
  const alone = cImageSource(digest, [unknown]);
  assertUnsigned(await verifyImage(alone, keys, { digest }), /signature does not verify/);
});

// --- Sigstore bundle: cosign v3.0.4 key-based bundle, from a registry without referrers -----
const INDEX = "sha256:d7d5640c741c60b47fa4b5530daa20a6469b55754a89dd42adbadadb59f9093c";

function bundleSource(referrersApi: boolean) {
  const source = new MemorySource();
  const index = read("bundle/cosign-v3-key/referrers-index.json");
  source.putManifest(read("bundle/cosign-v3-key/referring-manifest.json"));
  source.putBlob(read("bundle/cosign-v3-key/bundle.sigstore.json"));
  if (referrersApi) source.referrersByDigest = new Map([[INDEX, index]]);
  else source.putManifest(index, tagOf(INDEX));
  return source;
}

test("verify bundle: cosign v3's bundle (real fixture) verifies under the fallback tag, for the index digest", async () => {
  const source = bundleSource(false);
  const verdict = await verifyImage(source, keysOf("bundle/cosign-v3-key/cosign.pub"), {
    digest: INDEX,
    tags: ["v1", tagOf(INDEX)],
  });
  assertSigned(
    verdict,
    "bundle/cosign-v3-key/cosign.pub",
    "sigstore-bundle",
    /^fallback tag$/,
  );
  // No .sig listed: no request for it; the referrers API is asked, then the fallback tag.
  assert.deepEqual(source.reads.map((r) => r.split(" ")[0]), [
    "referrers",
    "manifest",
    "manifest",
    "blob",
  ]);
});

test("verify bundle: the same bundle through the referrers API; refused with another key", async () => {
  const keys = keysOf("bundle/cosign-v3-key/cosign.pub");
  const verdict = await verifyImage(bundleSource(true), keys, { digest: INDEX });
  assertSigned(verdict, "bundle/cosign-v3-key/cosign.pub", "sigstore-bundle", /^referrers API$/);
  const wrong = await verifyImage(
    bundleSource(true),
    keysOf("legacy/cosign-v3-attached/cosign.pub"),
    {
      digest: INDEX,
    },
  );
  assertUnsigned(wrong, /referrers API: bundle signature does not verify with any --verify-key/);
  assertUnsigned(wrong, /\.sig tag: not found/);
});

test("verify bundle: the real bundle does not cover another digest; keyless and blob bundles are refused", () => {
  const keys = keysOf("bundle/cosign-v3-key/cosign.pub");
  const bytes = read("bundle/cosign-v3-key/bundle.sigstore.json");
  assert.ok("key" in checkBundle(bytes, keys, INDEX));
  const other = checkBundle(bytes, keys, "sha256:" + "2".repeat(64));
  assert.match(
    "problem" in other ? other.problem : "",
    new RegExp(`bundle signs ${INDEX}, not sha256:2222`),
  );
  const keyless = checkBundle(
    read("bundle/cosign-keyless-attestation/oci-attestation.sigstore.json"),
    keys,
    INDEX,
  );
  assert.match("problem" in keyless ? keyless.problem : "", /keyless/);
  const message = checkBundle(
    read("bundle/sigstore-go-message-signature/public-key-validity.sigstore.json"),
    keysOf("bundle/sigstore-go-message-signature/public-key-validity.pem"),
    INDEX,
  );
  assert.match("problem" in message ? message.problem : "", /message signature/);
  assert.match(
    JSON.stringify(checkBundle(Buffer.from("{}"), keys, INDEX)),
    /not a Sigstore bundle/,
  );
});

// --- signatures made here, with each key type -----------------------------------------------
test("verify: P-256, Ed25519 and RSA keys sign in both formats; an attestation is not a signature", async () => {
  for (const type of ["ec", "ed25519", "rsa"] as const) {
    const pair = generateKey(type);
    const keys = [parseVerifyKey(`${type}.pub`, pair.pem)];
    const image = Buffer.from(`{"image":"${type}"}`);
    const digest = sha256(image);
    const legacy = new MemorySource();
    const payload = simpleSigningPayload(digest);
    legacy.putManifest(sigManifest([[payload, signBytes(pair, payload)]]), `${tagOf(digest)}.sig`);
    legacy.putBlob(payload);
    const signedLegacy = await verifyImage(legacy, keys, { digest });
    assert.ok(signedLegacy.signed && signedLegacy.format === "simple-signing", type);
    const subject = descriptor("application/vnd.oci.image.manifest.v1+json", image);
    for (const predicate of [undefined, "https://slsa.dev/provenance/v1"]) {
      const bundles = new MemorySource();
      const bundle = sigstoreBundle(pair, digest, predicate);
      const referring = referringManifest(bundle, subject);
      bundles.putBlob(bundle);
      bundles.putManifest(referring);
      bundles.referrersByDigest = new Map([[digest, referrersIndex([referring])]]);
      const verdict = await verifyImage(bundles, keys, { digest });
      if (predicate) assertUnsigned(verdict, /attestation/);
      else assert.ok(verdict.signed && verdict.format === "sigstore-bundle", type);
    }
  }
});

test("verify: nothing signed names both places looked at", async () => {
  const digest = "sha256:" + "3".repeat(64);
  const keys = keysOf("bundle/cosign-v3-key/cosign.pub");
  const verdict = await verifyImage(new MemorySource(), keys, { digest, tags: ["v1.0.0"] });
  assertUnsigned(
    verdict,
    /^no \.sig tag; no Sigstore bundle \(no referrers API, no fallback tag\)$/,
  );
});
