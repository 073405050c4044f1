import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { registryAuthHeader, splitImageReference } from "./pull.ts";

test("engine pull: image references split into fromImage and tag", () => {
  assert.deepEqual(splitImageReference("127.0.0.1:5000/app:v1.0.0"), {
    fromImage: "127.0.0.1:5000/app",
    tag: "v1.0.0",
  });
  assert.deepEqual(splitImageReference("127.0.0.1:5000/app"), {
    fromImage: "127.0.0.1:5000/app",
    tag: "latest",
  });
  assert.deepEqual(splitImageReference("ghcr.io/o/app@sha256:abc"), {
    fromImage: "ghcr.io/o/app",
    tag: "sha256:abc",
  });
});

test("engine pull: X-Registry-Auth is padded base64url JSON of the credentials", () => {
  const auth = { username: "u?>", password: "p~~~", serveraddress: "127.0.0.1:5000" };
  const header = registryAuthHeader(auth);
  assert.doesNotMatch(header, /[+/]/);
  assert.equal(header.length % 4, 0);
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), auth);
});
