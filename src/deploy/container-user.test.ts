/** The default container user: dewy's uid:gid, none under root (the image's USER decides). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultContainerUser } from "./container-user.ts";

test("container user: dewy's own uid:gid, unset under root or without a uid", () => {
  assert.equal(defaultContainerUser(1000, 1001), "1000:1001");
  assert.equal(defaultContainerUser(0, 0), undefined);
  assert.equal(defaultContainerUser(0, 1000), undefined);
  assert.equal(defaultContainerUser(undefined, undefined), undefined);
});
