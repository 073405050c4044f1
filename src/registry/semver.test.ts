import { test } from "node:test";
import assert from "node:assert/strict";
import { compareSemver, parseSemver } from "./semver.ts";

test("semver: §11 chain sorts in spec order", () => {
  const chain = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
  ];
  const parsed = [...chain].reverse().map((t) => parseSemver(t, true)!);
  assert.deepEqual(parsed.sort(compareSemver).map((v) => v.tag), chain);
});
