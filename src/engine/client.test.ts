/**
 * Unit: engine faults a real dockerd cannot show on demand — a missing or dead socket,
 * malformed answers, streams split across chunks, an engine that never answers, a stream
 * the engine closes. The fake engine is an in-process HTTP server on a unix socket.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "../../test/_node-http.ts";
import type { Socket } from "../../test/_node-net.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { runtime } from "../../test/_runtime.ts";
import { DockerEngineClient } from "./client.ts";
import { EngineError, EngineUnreachableError } from "./errors.ts";
import type { EngineEvent, PullProgress } from "./types.ts";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const VERSION = JSON.stringify({ Version: "20.10.24", ApiVersion: "1.41", MinAPIVersion: "1.12" });

/** Write `parts` with a pause between them, so lines arrive split across chunks. */
async function writeSlowly(res: http.ServerResponse, parts: string[]): Promise<void> {
  for (const part of parts) {
    res.write(part);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Run `body` against a fake engine whose routes are `routes` (`"GET /v1.41/x"` → handler);
 * `/version` answers API 1.41 unless overridden. Records every request line.
 */
async function withFakeEngine(
  routes: Record<string, Handler>,
  body: (
    client: DockerEngineClient,
    seen: http.IncomingMessage[],
    socketPath: string,
  ) => Promise<void>,
  requestTimeoutMs?: number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dewy-engine-"));
  const socketPath = join(dir, "engine.sock");
  const seen: http.IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    seen.push(req);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const handler = routes[`${req.method} ${path}`] ??
      (path === "/version" ? (_q: unknown, r: http.ServerResponse) => r.end(VERSION) : undefined);
    if (handler) handler(req, res);
    else {res.writeHead(404, { "Content-Type": "application/json" }).end(
        '{"message":"page not found"}',
      );}
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    await body(new DockerEngineClient({ runtime, socketPath, requestTimeoutMs }), seen, socketPath);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => assert.fail("expected a rejection"), (e) => e);
}

test("engine faults: a missing socket is EngineUnreachableError naming the path", async () => {
  const socketPath = join(tmpdir(), `dewy-no-such-${Date.now()}.sock`);
  const client = new DockerEngineClient({ runtime, socketPath });
  const error = await rejection(client.ping());
  assert.ok(error instanceof EngineUnreachableError, String(error));
  assert.equal(error.socketPath, socketPath);
  assert.ok(
    error.message.startsWith(
      `Cannot reach the container engine at ${socketPath}: no such socket file. `,
    ),
    error.message,
  );
  assert.match(
    error.message,
    /Is dockerd\/podman running\? Set DOCKER_HOST=unix:\/\/… or --runtime$/,
  );
  assert.doesNotMatch(error.message, /^fetch failed$/);
  // Versioned calls fail the same way (the API version negotiation is what fails first).
  assert.ok(await rejection(client.listContainers({})) instanceof EngineUnreachableError);
});

test("engine faults: permission denied on the socket says how to get access, not that the engine is down", async () => {
  const socketPath = "/run/dewy-test/docker.sock";
  const bun = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
  const deno = new TypeError("fetch failed", {
    cause: new Error("client error (Connect): Permission denied (os error 13)"),
  });
  for (const failure of [bun, deno]) {
    const fake = { unixFetch: () => () => Promise.reject(failure) };
    const error = await rejection(new DockerEngineClient({ runtime: fake, socketPath }).ping());
    assert.ok(error instanceof EngineUnreachableError, String(error));
    assert.equal(error.socketPath, socketPath);
    assert.equal(
      error.message,
      `Cannot reach the container engine: permission denied on ${socketPath}: ` +
        "run dewy as root or as a user in the socket's group (e.g. docker)",
    );
    assert.doesNotMatch(error.message, /Is dockerd/);
  }
});

test("engine faults: a path that is not a listening socket is EngineUnreachableError", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-engine-"));
  const socketPath = join(dir, "stale.sock");
  writeFileSync(socketPath, "");
  try {
    const error = await rejection(new DockerEngineClient({ runtime, socketPath }).version());
    assert.ok(error instanceof EngineUnreachableError, String(error));
    assert.match(
      error.message,
      new RegExp(`at ${socketPath}: connection refused \\(nothing listens on it\\)\\. `),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("engine faults: requests go to the prefix negotiated from /version, version asked once", async () => {
  // An engine older than the preferred 1.41 is spoken to in its own version.
  const older = JSON.stringify({ Version: "19.03.15", ApiVersion: "1.40", MinAPIVersion: "1.12" });
  await withFakeEngine({
    "GET /version": (_req, res) => res.end(older),
    "GET /v1.40/containers/json": (_req, res) => res.end("[]"),
  }, async (client, seen) => {
    assert.deepEqual(await client.listContainers({ "dewy.app": "a" }, { all: true }), []);
    assert.deepEqual(await client.listContainers({ "dewy.app": "a" }), []);
    assert.deepEqual(seen.map((r) => new URL(r.url!, "http://x").pathname), [
      "/version",
      "/v1.40/containers/json",
      "/v1.40/containers/json",
    ]);
    const query = new URL(seen[1].url!, "http://x").searchParams;
    assert.equal(query.get("all"), "1");
    assert.deepEqual(JSON.parse(query.get("filters")!), { label: ["dewy.app=a"] });
  });
});

test("engine faults: a non-JSON answer is an EngineError naming the operation", async () => {
  await withFakeEngine({
    "GET /v1.41/containers/json": (_req, res) => res.end("<html>proxy error</html>"),
    "GET /v1.41/containers/c1/json": (_req, res) => res.end('{"Id": '),
  }, async (client) => {
    const list = await rejection(client.listContainers({}));
    assert.ok(list instanceof EngineError, String(list));
    assert.match(
      list.message,
      /^Engine sent a malformed answer to "list containers" \(HTTP 200\): not JSON: <html>/,
    );
    const inspect = await rejection(client.inspectContainer("c1"));
    assert.ok(inspect instanceof EngineError);
    assert.equal(inspect.operation, "inspect container c1");
  });
});

test("engine faults: a version answer without ApiVersion is an EngineError", async () => {
  await withFakeEngine({
    "GET /version": (_req, res) => res.end('{"Version":"x"}'),
  }, async (client) => {
    const error = await rejection(client.listContainers({}));
    assert.ok(error instanceof EngineError, String(error));
    assert.match(error.message, /"read the engine version".*no ApiVersion/);
  });
});

test("engine faults: an error status carries the engine's message on one line", async () => {
  await withFakeEngine({
    "POST /v1.41/containers/c1/start": (_req, res) =>
      res.writeHead(500, { "Content-Type": "application/json" }).end(
        '{"message":"OCI runtime create failed:\\n  bad rlimit"}',
      ),
    "DELETE /v1.41/containers/c2": (_req, res) => res.writeHead(502).end("bad gateway"),
  }, async (client) => {
    const start = await rejection(client.startContainer("c1"));
    assert.ok(start instanceof EngineError);
    assert.equal(
      start.message,
      "Engine refused to start container c1: 500 OCI runtime create failed: bad rlimit",
    );
    assert.equal(start.status, 500);
    const remove = await rejection(client.removeContainer("c2"));
    assert.ok(remove instanceof EngineError);
    assert.equal(remove.message, "Engine refused to remove container c2: 502 bad gateway");
  });
});

test("engine faults: pull progress split across chunks, then an error line", async () => {
  await withFakeEngine({
    "POST /v1.41/images/create": async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      await writeSlowly(res, [
        '{"status":"Pulling from app","id":"v1"}\r\n{"status":"Downl',
        'oading","id":"l1","progressDetail":{"current":5,"total":',
        "10}}\r\n",
        '{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\r\n',
      ]);
      res.end();
    },
  }, async (client, seen) => {
    const progress: PullProgress[] = [];
    const auth = { username: "u", password: "p", serveraddress: "r:5000" };
    const error = await rejection(
      client.pull("r:5000/app:v1", { auth, onProgress: (p) => progress.push(p) }),
    );
    assert.deepEqual(progress, [
      { status: "Pulling from app", layer: "v1" },
      { status: "Downloading", layer: "l1", current: 5, total: 10 },
    ]);
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.message, "Engine failed to pull r:5000/app:v1: unexpected EOF");
    // Deno sends the absolute form (`http://localhost/v1.41/...`), Bun the origin form.
    const request = seen.find((r) =>
      new URL(r.url!, "http://x").pathname === "/v1.41/images/create"
    )!;
    const query = new URL(request.url!, "http://x").searchParams;
    assert.equal(query.get("fromImage"), "r:5000/app");
    assert.equal(query.get("tag"), "v1");
    const header = String(request.headers["x-registry-auth"]);
    assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), auth);
  });
});

test("engine faults: a pull stream line that is not JSON is an EngineError", async () => {
  await withFakeEngine({
    "POST /v1.41/images/create": (_req, res) => res.end('{"status":"ok"}\nnot json at all\n'),
  }, async (client) => {
    const error = await rejection(client.pull("r/app:v1"));
    assert.ok(error instanceof EngineError, String(error));
    assert.match(error.message, /"pull r\/app:v1".*stream line is not JSON: not json at all/);
  });
});

test("engine faults: events split across chunks, then the engine closes the stream", async () => {
  const die = {
    Type: "container",
    Action: "die",
    Actor: { ID: "c1", Attributes: { "dewy.app": "a" } },
  };
  const net = { Type: "network", Action: "connect", Actor: { ID: "n1", Attributes: {} } };
  await withFakeEngine({
    "GET /v1.41/events": async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const text = `${JSON.stringify(net)}\n${JSON.stringify(die)}\n`;
      await writeSlowly(res, [text.slice(0, 50), text.slice(50, 90), text.slice(90)]);
      res.end();
    },
  }, async (client, seen) => {
    const events: EngineEvent[] = [];
    const error = await rejection(
      client.events({ "dewy.app": "a" }, (e) => events.push(e), new AbortController().signal),
    );
    assert.deepEqual(events, [{ action: "die", id: "c1", labels: { "dewy.app": "a" } }]);
    assert.ok(error instanceof EngineError, String(error));
    assert.match(error.message, /stream container events: the engine closed the event stream/);
    const filters = new URL(seen.at(-1)!.url!, "http://x").searchParams.get("filters");
    assert.deepEqual(JSON.parse(filters!), { type: ["container"], label: ["dewy.app=a"] });
  });
});

test("engine faults: aborting the events stream resolves", async () => {
  await withFakeEngine({
    "GET /v1.41/events": (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("\n"); // headers out, then silence
    },
  }, async (client) => {
    const abort = new AbortController();
    const streaming = client.events({}, () => {}, abort.signal);
    setTimeout(() => abort.abort(), 100);
    assert.equal(await streaming, undefined);
  });
});

test("engine faults: an engine that never answers is EngineUnreachableError after the timeout", async () => {
  await withFakeEngine({
    "GET /_ping": () => {/* never answers */},
  }, async (client, _seen, socketPath) => {
    const started = Date.now();
    const error = await rejection(client.ping());
    assert.ok(Date.now() - started < 5_000);
    assert.ok(error instanceof EngineUnreachableError, String(error));
    assert.match(
      error.message,
      new RegExp(`at ${socketPath}: no answer to "ping the engine" within 0\\.2s`),
    );
  }, 200);
});

test("engine faults: a caller's abort rejects with the abort reason, not an engine error", async () => {
  await withFakeEngine({
    "GET /v1.41/containers/json": () => {/* never answers */},
  }, async (client) => {
    const abort = new AbortController();
    const listing = client.listContainers({}, { signal: abort.signal });
    setTimeout(() => abort.abort(new Error("shutting down")), 100);
    const error = await rejection(listing);
    assert.ok(error instanceof Error);
    assert.equal(error.message, "shutting down");
  });
});
