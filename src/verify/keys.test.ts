import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { ConfigError } from "../errors.ts";
import { Buffer } from "node:buffer";
import { generateKey, signatureFixtures, signBytes } from "../../test/_cosign.ts";
import { parseVerifyKey, readVerifyKeys, verifySignature } from "./keys.ts";

const FIXTURES = signatureFixtures();

const fixture = (path: string) => `${FIXTURES}/${path}`;

test("verify keys: cosign's P-256 public keys load, with the fingerprint and bundle hint", () => {
  const [attached, bundleKey] = readVerifyKeys([
    fixture("legacy/cosign-v3-attached/cosign.pub"),
    fixture("bundle/cosign-v3-key/cosign.pub"),
  ]);
  assert.equal(attached.type, "ecdsa-p256");
  assert.equal(attached.path, fixture("legacy/cosign-v3-attached/cosign.pub"));
  // The fingerprint the fixture's source states; the hint the real bundle carries.
  assert.equal(
    attached.fingerprint,
    "dc2bcfdb0402cd0845f59232655c3ab2a53d55849d4665579efe45c6cc753478",
  );
  const bundle = JSON.parse(
    readFileSync(fixture("bundle/cosign-v3-key/bundle.sigstore.json"), "utf8"),
  );
  assert.equal(bundleKey.hint, bundle.verificationMaterial.publicKey.hint);
});

test("verify keys: Ed25519 and RSA keys load and verify their own signatures", () => {
  for (const type of ["ed25519", "rsa"] as const) {
    const pair = generateKey(type);
    const key = parseVerifyKey("k.pub", pair.pem);
    assert.equal(key.type, type);
    const data = new TextEncoder().encode("payload");
    const signature = Buffer.from(signBytes(pair, data), "base64");
    assert.equal(verifySignature(key, data, signature), true);
    assert.equal(verifySignature(key, new TextEncoder().encode("other"), signature), false);
  }
});

test("verify keys: a malformed signature does not verify (and does not throw)", () => {
  const key = parseVerifyKey("k.pub", generateKey().pem);
  assert.equal(
    verifySignature(key, new Uint8Array([1]), new Uint8Array([0x30, 0x02, 0x02])),
    false,
  );
});

test("verify keys: unsupported or wrong files are refused with one line naming the file", () => {
  const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey
    .export({ type: "spki", format: "pem" }).toString();
  const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey
    .export({ type: "spki", format: "pem" }).toString();
  const cases: [string, RegExp][] = [
    [p384, /^--verify-key k\.pub: ECDSA curve secp384r1 is not supported; use P-256/],
    [rsa1024, /^--verify-key k\.pub: RSA key of 1024 bits is too short/],
    ["-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nxx\n", /private key; give the public one/],
    ["hello", /not a PEM public key/],
    ["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", /cannot parse the public key/],
  ];
  for (const [pem, message] of cases) {
    assert.throws(() => parseVerifyKey("k.pub", pem), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.flag, "--verify-key");
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  }
});

test("verify keys: a missing file, a directory and a huge file are refused", () => {
  const dir = mkdtempSync(`${tmpdir()}/dewy-keys-`);
  try {
    writeFileSync(`${dir}/big.pub`, "x".repeat(70_000));
    assert.throws(
      () => readVerifyKeys([`${dir}/none.pub`]),
      /none\.pub: cannot read the file \(ENOENT\)/,
    );
    assert.throws(() => readVerifyKeys([dir]), /not a public key file/);
    assert.throws(() => readVerifyKeys([`${dir}/big.pub`]), /big\.pub: not a public key file/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
