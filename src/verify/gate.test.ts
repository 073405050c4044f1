import { test } from "node:test";
import assert from "node:assert/strict";
import {
  generateKey,
  sha256,
  sigManifest,
  signBytes,
  simpleSigningPayload,
} from "../../test/_cosign.ts";
import { recordingLogger } from "../../test/_notify.ts";
import { parseVerifyKey } from "./keys.ts";
import { SignatureGate } from "./gate.ts";
import { SignatureRejectedError } from "./errors.ts";
import { SignatureVerifier } from "./verifier.ts";
import { MemorySource } from "./_memory-source.ts";

function setup() {
  const pair = generateKey();
  const source = new MemorySource();
  const verifier = new SignatureVerifier(
    [parseVerifyKey("/etc/dewy/cosign.pub", pair.pem)],
    source,
  );
  const { logger, records } = recordingLogger();
  const sent: unknown[] = [];
  let failures = 0;
  const gate = new SignatureGate({
    verifier,
    logger,
    // deno-lint-ignore require-await
    notifier: { sendError: async (error: unknown) => void sent.push(error) } as never,
    observer: { deploymentFailed: () => failures++ },
  });
  const sign = (digest: string) => {
    const payload = simpleSigningPayload(digest);
    source.putManifest(
      sigManifest([[payload, signBytes(pair, payload)]]),
      `sha256-${digest.slice(7)}.sig`,
    );
    source.putBlob(payload);
  };
  return { gate, records, sent, failures: () => failures, sign, verifier };
}

test("signature gate: an unsigned version is refused once: one error, one notification, one count", async () => {
  const { gate, records, sent, failures } = setup();
  const digest = sha256("v1.1.0");
  const image = { tag: "v1.1.0", digest, tags: ["v1.1.0"] };
  const refusal = await gate.refusal(image);
  assert.ok(refusal instanceof SignatureRejectedError);
  assert.match(
    refusal.message,
    new RegExp(
      `^version v1\\.1\\.0 \\(${digest}\\) not deployed: .*: no \\.sig tag; no Sigstore bundle`,
    ),
  );
  for (let i = 0; i < 3; i++) assert.ok(await gate.refusal(image));
  const errors = records.filter((r) => r.level === "ERROR");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].version, "v1.1.0");
  assert.equal(errors[0].digest, digest);
  assert.deepEqual(sent, [refusal]);
  assert.equal(failures(), 1);
});

test("signature gate: a signed version passes, and the status names the key that signed it", async () => {
  const { gate, records, sign, failures } = setup();
  const digest = sha256("v1.0.0");
  sign(digest);
  assert.equal(await gate.refusal({ tag: "v1.0.0", digest }), undefined);
  assert.equal(records.filter((r) => r.msg === "Signature verified").length, 1);
  assert.equal(failures(), 0);
  const status = gate.status(digest);
  assert.equal(status.enabled, true);
  assert.equal(status.keys[0].path, "/etc/dewy/cosign.pub");
  assert.deepEqual(status.signedBy && [status.signedBy.path, status.signedBy.format], [
    "/etc/dewy/cosign.pub",
    "simple-signing",
  ]);
  assert.equal(gate.status(sha256("other")).signedBy, undefined);
  assert.equal(gate.status(undefined).signedBy, undefined);
});

test("signature gate: the running version is audited once; unsigned it only warns", async () => {
  const { gate, records, sent, failures, sign, verifier } = setup();
  const unsigned = { tag: "v0.9.0", digest: sha256("v0.9.0") };
  await gate.auditRunning(unsigned);
  await gate.auditRunning(unsigned);
  const warnings = records.filter((r) => r.level === "WARN");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].digest, unsigned.digest);
  assert.deepEqual([sent.length, failures()], [0, 0]);
  const signed = { tag: "v1.0.0", digest: sha256("v1.0.0") };
  sign(signed.digest);
  await gate.auditRunning(signed);
  assert.equal(gate.status(signed.digest).signedBy?.path, "/etc/dewy/cosign.pub");
  assert.ok(verifier.verdict(signed.digest)?.signed);
});
