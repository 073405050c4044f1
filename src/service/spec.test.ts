import { test } from "node:test";
import assert from "node:assert/strict";
import type { ServiceSpec } from "../engine/swarm-types.ts";
import { desiredReplicas, imageVersion, serviceImage, specImage, updateSpec } from "./spec.ts";

const SPEC: ServiceSpec = {
  Name: "web",
  Labels: { team: "ops" },
  TaskTemplate: {
    ContainerSpec: { Image: "reg:5000/app:v1.0.0@sha256:aaa", Env: ["A=1"] },
    Placement: { Constraints: ["node.role==worker"] },
  },
  Mode: { Replicated: { Replicas: 3 } },
  UpdateConfig: {
    Parallelism: 2,
    Delay: 5e9,
    FailureAction: "pause",
    Monitor: 5e9,
    Order: "start-first",
  },
};

test("service spec: an update sets the image, rollback on failure and a long enough monitor", () => {
  const spec = updateSpec(SPEC, "reg:5000/app:v1.1.0@sha256:bbb", 30_000);
  assert.equal(specImage(spec), "reg:5000/app:v1.1.0@sha256:bbb");
  assert.deepEqual(spec.UpdateConfig, {
    Parallelism: 2,
    Delay: 5e9,
    FailureAction: "rollback",
    Monitor: 30e9,
    Order: "start-first",
  });
  assert.deepEqual(spec.TaskTemplate?.ContainerSpec?.Env, ["A=1"]);
  assert.deepEqual(spec.TaskTemplate?.Placement, { Constraints: ["node.role==worker"] });
  assert.deepEqual(spec.Labels, { team: "ops" });
  assert.equal(specImage(SPEC), "reg:5000/app:v1.0.0@sha256:aaa", "the spec read is not changed");
});

test("service spec: a monitor longer than the health window is kept", () => {
  const spec = updateSpec(SPEC, "x", 1_000);
  assert.equal(spec.UpdateConfig?.Monitor, 5e9);
  assert.equal(updateSpec({}, "x", 2_000).UpdateConfig?.Monitor, 2e9);
});

test("service spec: version and digest of an image reference", () => {
  assert.deepEqual(imageVersion("127.0.0.1:5000/team/app:v1.4.0@sha256:abc"), {
    version: "v1.4.0",
    digest: "sha256:abc",
  });
  assert.deepEqual(imageVersion("127.0.0.1:5000/app@sha256:abc"), {
    version: "",
    digest: "sha256:abc",
  });
  assert.deepEqual(imageVersion("127.0.0.1:5000/app"), { version: "", digest: "" });
  assert.deepEqual(imageVersion("nginx:1.27"), { version: "1.27", digest: "" });
});

test("service spec: the image deployed is REPO:TAG@DIGEST", () => {
  assert.equal(
    serviceImage({
      tag: "v2.0.0",
      digest: "sha256:def",
      registry: "ghcr.io",
      repository: "o/app",
      reference: "ghcr.io/o/app:v2.0.0",
      pinnedReference: "ghcr.io/o/app@sha256:def",
    }),
    "ghcr.io/o/app:v2.0.0@sha256:def",
  );
});

test("service spec: desired replicas of replicated and global services", () => {
  assert.equal(desiredReplicas(SPEC), 3);
  assert.equal(desiredReplicas({ Mode: { Global: {} } }), undefined);
  assert.equal(desiredReplicas({ Mode: { Replicated: {} } }), 1);
});
