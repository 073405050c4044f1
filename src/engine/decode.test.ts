import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeContainerDetails,
  decodeEvent,
  decodeImageInspect,
  decodeLogs,
  decodePullProgress,
} from "./decode.ts";
import { EngineError } from "./errors.ts";

test("engine decode: inspect ports become numbers, zero start time becomes empty", () => {
  const details = decodeContainerDetails({
    Id: "abc",
    Name: "/app-1-0",
    Image: "sha256:img",
    Config: { Image: "r/app@sha256:1", Labels: { "dewy.app": "app" } },
    State: { Status: "created", StartedAt: "0001-01-01T00:00:00Z", ExitCode: 0, OOMKilled: false },
    RestartCount: 2,
    NetworkSettings: {
      Ports: {
        "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "32768" }, {
          HostIp: "::1",
          HostPort: "32768",
        }],
        "9090/tcp": null,
      },
    },
  }, "inspect container abc");
  assert.deepEqual(details, {
    id: "abc",
    name: "app-1-0",
    image: "r/app@sha256:1",
    state: "created",
    labels: { "dewy.app": "app" },
    ports: { "8080/tcp": { hostIp: "127.0.0.1", hostPort: 32768 } },
    address: "",
    startedAt: "",
    exitCode: 0,
    oomKilled: false,
    restartCount: 2,
  });
});

test("engine decode: the address is the bridge's, else the first network's that has one", () => {
  const inspect = (network: Record<string, unknown>) =>
    decodeContainerDetails({ Id: "abc", NetworkSettings: network }, "inspect container abc")
      .address;
  assert.equal(inspect({ IPAddress: "172.17.0.3", Networks: {} }), "172.17.0.3");
  assert.equal(
    inspect({ IPAddress: "", Networks: { none: {}, shop: { IPAddress: "10.89.0.4" } } }),
    "10.89.0.4",
  );
  assert.equal(inspect({ IPAddress: "", Networks: { host: { IPAddress: "" } } }), "");
});

test("engine decode: image exposed TCP ports sorted, udp ignored", () => {
  const image = decodeImageInspect({
    Id: "sha256:i",
    Config: { ExposedPorts: { "9090/tcp": {}, "53/udp": {}, "8080/tcp": {}, "8081": {} } },
    RepoDigests: ["r/app@sha256:1"],
  }, "inspect image r/app");
  assert.deepEqual(image, {
    id: "sha256:i",
    exposedTcpPorts: [8080, 8081, 9090],
    repoDigests: ["r/app@sha256:1"],
  });
});

test("engine decode: container logs, framed (stdout and stderr interleaved) or raw (TTY)", () => {
  const frame = (stream: number, bytes: Uint8Array) => {
    const header = new Uint8Array(8);
    header[0] = stream;
    new DataView(header.buffer).setUint32(4, bytes.length);
    return [...header, ...bytes];
  };
  const utf8 = new TextEncoder().encode("café\n");
  const framed = new Uint8Array([
    ...frame(1, new TextEncoder().encode("listening\n")),
    ...frame(2, utf8.subarray(0, 4)), // "é" split across two frames
    ...frame(2, utf8.subarray(4)),
  ]);
  assert.equal(decodeLogs(framed), "listening\ncafé\n");
  assert.equal(decodeLogs(new TextEncoder().encode("tty output\r\n")), "tty output\r\n");
  assert.equal(decodeLogs(new Uint8Array()), "");
});

test("engine decode: events keep container events with actor id and attributes", () => {
  const line = {
    Type: "container",
    Action: "die",
    Actor: { ID: "c1", Attributes: { "dewy.app": "app", exitCode: "137" } },
  };
  assert.deepEqual(decodeEvent(line, "events"), {
    action: "die",
    id: "c1",
    labels: { "dewy.app": "app", exitCode: "137" },
  });
  assert.equal(
    decodeEvent({ Type: "network", Action: "connect", Actor: { ID: "n" } }, "events"),
    undefined,
  );
});

test("engine decode: pull progress lines and error lines", () => {
  assert.deepEqual(
    decodePullProgress({
      status: "Downloading",
      id: "abc",
      progressDetail: { current: 10, total: 20 },
    }, "pull x"),
    { status: "Downloading", layer: "abc", current: 10, total: 20 },
  );
  assert.deepEqual(decodePullProgress({ status: "Digest: sha256:1" }, "pull x"), {
    status: "Digest: sha256:1",
  });
  assert.throws(
    () =>
      decodePullProgress({
        errorDetail: { message: "manifest unknown" },
        error: "manifest unknown",
      }, "pull r/x:v1"),
    (e: unknown) =>
      e instanceof EngineError && e.message === "Engine failed to pull r/x:v1: manifest unknown",
  );
});

test("engine decode: an answer of the wrong shape is an EngineError naming the operation", () => {
  assert.throws(
    () => decodeContainerDetails([], "inspect container abc"),
    (e: unknown) => e instanceof EngineError && /"inspect container abc"/.test(e.message),
  );
  assert.throws(
    () => decodeImageInspect({ Config: {} }, "inspect image r/app"),
    (e: unknown) => e instanceof EngineError && /no Id/.test(e.message),
  );
});
