import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiateApiVersion } from "./transport.ts";

test("engine api version: 1.41 unless the engine is older or requires newer", () => {
  assert.equal(negotiateApiVersion("1.41", "1.12"), "1.41");
  assert.equal(negotiateApiVersion("1.47", "1.24"), "1.41");
  assert.equal(negotiateApiVersion("1.40", "1.12"), "1.40");
  assert.equal(negotiateApiVersion("1.52", "1.44"), "1.44");
  assert.equal(negotiateApiVersion("garbage"), "1.41");
});
