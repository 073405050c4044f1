import { test } from "node:test";
import assert from "node:assert/strict";
import { planRollout } from "./rollout.ts";
import type { Replica } from "./replica.ts";

const V1 = { version: "v1", digest: "sha256:1", image: "r/app@sha256:1" };

const V2 = { version: "v2", digest: "sha256:2", image: "r/app@sha256:2" };

function replica(index: number, target = V1, id = `${target.version}-${index}`): Replica {
  return { ...target, id, name: id, index, hostPorts: new Map() };
}

test("plan: nothing to do when every index runs the target", () => {
  assert.equal(planRollout([replica(0), replica(1)], V1, 2), undefined);
});

test("plan: a new version starts every index and retires every old replica", () => {
  const old = [replica(0), replica(1)];
  const plan = planRollout(old, V2, 2)!;
  assert.deepEqual(plan.start, [0, 1]);
  assert.deepEqual(plan.retire, old);
  assert.equal(plan.target, V2);
});

test("plan: a missing index is started; duplicates, other versions and surplus indices retire", () => {
  const dup = replica(0, V1, "dup");
  const other = replica(1, { ...V1, digest: "sha256:re-pushed" });
  const surplus = replica(5);
  const plan = planRollout([replica(0), dup, other, surplus], V1, 2)!;
  assert.deepEqual(plan.start, [1]);
  assert.deepEqual(plan.retire, [dup, other, surplus]);
});
