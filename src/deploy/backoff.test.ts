import { test } from "node:test";
import assert from "node:assert/strict";
import { FailureBackoff } from "./backoff.ts";

test("back-off: 30 s, doubling per failure, capped at 30 min; success forgets", () => {
  const backoff = new FailureBackoff();
  const waits = [];
  for (let i = 0; i < 9; i++) waits.push(backoff.failed("d", 0));
  assert.deepEqual(waits, [
    30_000,
    60_000,
    120_000,
    240_000,
    480_000,
    960_000,
    1_800_000,
    1_800_000,
    1_800_000,
  ]);
  assert.equal(backoff.retryAt("d", 1_799_999), 1_800_000);
  assert.equal(backoff.retryAt("d", 1_800_000), undefined);
  assert.equal(backoff.retryAt("other", 0), undefined);
  backoff.failed("d", 0);
  backoff.succeeded("d");
  assert.equal(backoff.retryAt("d", 0), undefined);
  assert.equal(new FailureBackoff({ baseMs: 10, maxMs: 15 }).failed("x", 100), 110);
});
