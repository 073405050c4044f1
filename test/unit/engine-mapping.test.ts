/**
 * Unit: the pure parts of the engine client — socket resolution, API version negotiation,
 * image reference splitting, X-Registry-Auth, the create body, and decoding engine JSON.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { resolveEngineSocket } from "../../src/engine/socket.ts";
import { negotiateApiVersion } from "../../src/engine/transport.ts";
import { registryAuthHeader, splitImageReference } from "../../src/engine/pull.ts";
import { containerCreateBody } from "../../src/engine/create-body.ts";
import {
  decodeContainerDetails,
  decodeEvent,
  decodeImageInspect,
  decodeLogs,
  decodePullProgress,
} from "../../src/engine/decode.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { readJsonLines } from "../../src/engine/json-lines.ts";
import { ConfigError } from "../../src/errors.ts";
import { envOf } from "../_env.ts";

test("engine socket: DOCKER_HOST unix:// wins for both runtimes", () => {
  assert.equal(
    resolveEngineSocket("docker", envOf({ DOCKER_HOST: "unix:///run/x.sock" }), 1000),
    "/run/x.sock",
  );
  assert.equal(
    resolveEngineSocket("podman", envOf({ DOCKER_HOST: "unix:///run/y.sock" }), 1000),
    "/run/y.sock",
  );
});

test("engine socket: runtime defaults; podman's depends on the uid", () => {
  assert.equal(resolveEngineSocket("docker", envOf({}), 1000), "/var/run/docker.sock");
  const xdg = envOf({ XDG_RUNTIME_DIR: "/run/user/1000" });
  assert.equal(resolveEngineSocket("podman", xdg, 0), "/run/podman/podman.sock");
  assert.equal(resolveEngineSocket("podman", xdg, 1000), "/run/user/1000/podman/podman.sock");
  assert.equal(
    resolveEngineSocket("podman", envOf({}), 1001),
    "/run/user/1001/podman/podman.sock",
  );
});

test("engine socket: a tcp:// DOCKER_HOST is a ConfigError naming it", () => {
  assert.throws(
    () => resolveEngineSocket("docker", envOf({ DOCKER_HOST: "tcp://10.0.0.1:2375" }), 0),
    (e: unknown) =>
      e instanceof ConfigError && e.flag === "DOCKER_HOST" &&
      /tcp:\/\/10\.0\.0\.1:2375/.test(e.message),
  );
});

test("engine api version: 1.41 unless the engine is older or requires newer", () => {
  assert.equal(negotiateApiVersion("1.41", "1.12"), "1.41");
  assert.equal(negotiateApiVersion("1.47", "1.24"), "1.41");
  assert.equal(negotiateApiVersion("1.40", "1.12"), "1.40");
  assert.equal(negotiateApiVersion("1.52", "1.44"), "1.44");
  assert.equal(negotiateApiVersion("garbage"), "1.41");
});

test("engine pull: image references split into fromImage and tag", () => {
  assert.deepEqual(splitImageReference("127.0.0.1:5000/app:v1.0.0"), {
    fromImage: "127.0.0.1:5000/app",
    tag: "v1.0.0",
  });
  assert.deepEqual(splitImageReference("127.0.0.1:5000/app"), {
    fromImage: "127.0.0.1:5000/app",
    tag: "latest",
  });
  assert.deepEqual(splitImageReference("ghcr.io/o/app@sha256:abc"), {
    fromImage: "ghcr.io/o/app",
    tag: "sha256:abc",
  });
});

test("engine pull: X-Registry-Auth is padded base64url JSON of the credentials", () => {
  const auth = { username: "u?>", password: "p~~~", serveraddress: "127.0.0.1:5000" };
  const header = registryAuthHeader(auth);
  assert.doesNotMatch(header, /[+/]/);
  assert.equal(header.length % 4, 0);
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), auth);
});

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
    startedAt: "",
    exitCode: 0,
    oomKilled: false,
    restartCount: 2,
  });
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

test("engine json lines: objects split anywhere, even inside a UTF-8 character", async () => {
  const bytes = new TextEncoder().encode('{"status":"Téléchargement"}\r\n\n{"n":2}\n{"n":3}');
  const cuts = [5, 13, 16, 30, 31, bytes.length]; // 13 and 16 fall inside the two "é"
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let from = 0;
      for (const to of cuts) {
        controller.enqueue(bytes.slice(from, to));
        from = to;
      }
      controller.close();
    },
  });
  const values: unknown[] = [];
  for await (const value of readJsonLines(stream, "pull x")) values.push(value);
  assert.deepEqual(values, [{ status: "Téléchargement" }, { n: 2 }, { n: 3 }]);
});
