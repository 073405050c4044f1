import { test } from "node:test";
import assert from "node:assert/strict";
import {
  generateKey,
  sha256,
  sigManifest,
  signBytes,
  simpleSigningPayload,
} from "../../test/_cosign.ts";
import { parseVerifyKey } from "./keys.ts";
import { SignatureVerifier } from "./verifier.ts";
import { MemorySource } from "./_memory-source.ts";

test("signature verifier: a refused digest is not fetched again until its signature tags change", async () => {
  const pair = generateKey();
  const source = new MemorySource();
  const verifier = new SignatureVerifier([parseVerifyKey("cosign.pub", pair.pem)], source);
  const digest = sha256("image");
  const sigTag = `sha256-${digest.slice(7)}.sig`;
  const first = await verifier.check({ digest, tags: ["v1.1.0"] });
  assert.equal(first.known, false);
  assert.equal(first.verdict.signed, false);
  const reads = source.reads.length;
  const again = await verifier.check({ digest, tags: ["v1.1.0", "v0.9.0"] });
  assert.deepEqual(again, { verdict: first.verdict, known: true });
  assert.equal(source.reads.length, reads, "a known refusal fetches nothing");
  // The signature is pushed after the image: its tag shows in the listing, and it is verified.
  const payload = simpleSigningPayload(digest);
  source.putManifest(sigManifest([[payload, signBytes(pair, payload)]]), sigTag);
  source.putBlob(payload);
  const signed = await verifier.check({ digest, tags: ["v1.1.0", sigTag] });
  assert.equal(signed.known, false);
  assert.equal(signed.verdict.signed, true);
  assert.equal(verifier.verdict(digest), signed.verdict);
  assert.equal((await verifier.check({ digest, tags: [] })).known, true, "a signed verdict stays");
});

test("signature verifier: needs a key", () => {
  assert.throws(() => new SignatureVerifier([], new MemorySource()), RangeError);
});
