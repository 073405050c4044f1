import { test } from "node:test";
import assert from "node:assert/strict";
import { Logger } from "../log.ts";
import { RegistryRateLimitedError, RegistryUnavailableError } from "../registry/errors.ts";
import { ManualClock } from "./clock.ts";
import { DeployPolicy, REGISTRY_MAX_PAUSE_MS } from "./policy.ts";

const V2 = { version: "v2", digest: "sha256:2", image: "r/app@sha256:2" };

function setUp() {
  const clock = new ManualClock(0);
  const lines: string[] = [];
  const logger = new Logger({ level: "debug", write: (line) => lines.push(line) });
  const policy = new DeployPolicy({
    logger,
    clock,
    backoff: { baseMs: 1_000, maxMs: 4_000 },
    defaultPauseMs: 60_000,
  });
  return { clock, lines, policy };
}

test("policy: a failed version is backed off, doubling, until it deploys", async () => {
  const { clock, policy } = setUp();
  assert.equal(policy.decide(V2), undefined);
  assert.equal(policy.deployFailed(V2), 1_000);
  assert.deepEqual(policy.decide(V2), { outcome: "backoff", version: "v2", retryAt: 1_000 });
  await clock.advance(1_000);
  assert.equal(policy.decide(V2), undefined);
  assert.equal(policy.deployFailed(V2), 3_000);
  policy.deploySucceeded(V2);
  assert.equal(policy.decide(V2), undefined);
});

test("policy: a 429 pauses the checks for Retry-After, else the interval, at most the cap", () => {
  const { policy } = setUp();
  assert.equal(policy.pausedUntil(), undefined);
  const asked = new RegistryRateLimitedError("r", 5_000);
  assert.deepEqual(policy.checkFailed(asked, true), {
    outcome: "rate-limited",
    error: asked,
    retryAt: 5_000,
  });
  assert.equal(policy.pausedUntil(), 5_000);
  policy.checkFailed(new RegistryRateLimitedError("r", undefined), true);
  assert.equal(policy.pausedUntil(), 60_000);
  policy.checkFailed(new RegistryRateLimitedError("r", 10 * REGISTRY_MAX_PAUSE_MS), true);
  assert.equal(policy.pausedUntil(), REGISTRY_MAX_PAUSE_MS);
  const down = new RegistryUnavailableError("refused");
  assert.deepEqual(policy.checkFailed(down, true), { outcome: "failed", error: down });
});

test("policy: a postponed heal is logged once per back-off, only while replicas are missing", () => {
  const { lines, policy } = setUp();
  assert.equal(policy.mayHeal(V2, { serving: 1, wanted: 2 }), true);
  policy.deployFailed(V2);
  assert.equal(policy.mayHeal(V2, { serving: 2, wanted: 2 }), false);
  assert.equal(policy.mayHeal(V2, { serving: 1, wanted: 2 }), false);
  assert.equal(policy.mayHeal(V2, { serving: 1, wanted: 2 }), false);
  assert.equal(policy.mayHeal(V2), false);
  assert.equal(lines.filter((l) => l.includes("Replacing missing replicas postponed")).length, 1);
});
