import { test } from "node:test";
import assert from "node:assert/strict";
import { containerCreateBody } from "./create-body.ts";

test("engine create body: ports on 127.0.0.1 random, labels, run options", () => {
  const body = containerCreateBody({
    name: "app-1-0",
    image: "r/app@sha256:1",
    labels: { "dewy.app": "app", "dewy.managed": "true" },
    publish: [8080, 9090],
    cmd: ["serve", "--x"],
    options: {
      env: ["A=1"],
      binds: ["/data:/data:ro"],
      restart: { name: "on-failure", maximumRetryCount: 3 },
      memoryBytes: 1024,
      nanoCpus: 500_000_000,
      network: "bridge",
      entrypoint: ["/bin/sh"],
      workdir: "/w",
      user: "1000:1000",
      extraHosts: ["db:10.0.0.2"],
      labels: { team: "x", "dewy.app": "user-wins?" },
    },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(body)), {
    Image: "r/app@sha256:1",
    Labels: { team: "x", "dewy.app": "app", "dewy.managed": "true" },
    Env: ["A=1"],
    Cmd: ["serve", "--x"],
    Entrypoint: ["/bin/sh"],
    WorkingDir: "/w",
    User: "1000:1000",
    ExposedPorts: { "8080/tcp": {}, "9090/tcp": {} },
    HostConfig: {
      PortBindings: {
        "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
        "9090/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
      },
      Binds: ["/data:/data:ro"],
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
      Memory: 1024,
      NanoCpus: 500_000_000,
      NetworkMode: "bridge",
      ExtraHosts: ["db:10.0.0.2"],
    },
  });
});

test("engine create body: empty options are left out", () => {
  const body = JSON.parse(JSON.stringify(containerCreateBody({
    name: "n",
    image: "i",
    labels: {},
    publish: [8080],
    cmd: [],
    options: { env: [], binds: [], extraHosts: [], labels: {} },
  })));
  assert.deepEqual(body.HostConfig, {
    PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
  });
  assert.equal("Cmd" in body, false);
  assert.equal("Env" in body, false);
  assert.equal("User" in body, false);
});
