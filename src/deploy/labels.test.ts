import { test } from "node:test";
import assert from "node:assert/strict";
import { containerName, digestOf, replicaIndexOf, rfc3339 } from "./labels.ts";

test("labels: names, timestamps, digests and replica indices", () => {
  assert.equal(containerName("web", 1_767_225_600_999, 3), "web-1767225600-3");
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  assert.equal(rfc3339(at, 0), "2026-01-02T03:04:05Z");
  assert.equal(rfc3339(at, 9 * 60), "2026-01-02T12:04:05+09:00");
  assert.equal(rfc3339(at, -(3 * 60 + 30)), "2026-01-01T23:34:05-03:30");
  // Without an offset: the host's, naming the same instant.
  assert.equal(Date.parse(rfc3339(at)), at - 678);
  assert.equal(digestOf("127.0.0.1:5000/app@sha256:abc"), "sha256:abc");
  assert.equal(digestOf("127.0.0.1:5000/app:v1"), "");
  assert.equal(replicaIndexOf({ "dewy.replica": "2" }), 2);
  assert.equal(replicaIndexOf({ "dewy.replica": "x" }), -1);
  assert.equal(replicaIndexOf({}), -1);
});
