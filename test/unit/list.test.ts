import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { listContainers } from "../../src/cli/mod.ts";
import { renderContainerTable } from "../../src/cli/list-table.ts";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** What listens on one port of a test range. */
type Listener =
  | { kind: "http"; handler: Handler }
  /** Accepts and closes at once: a port that gives no HTTP answer. */
  | { kind: "reset" }
  /** Accepts and never answers: a port that times out. */
  | { kind: "hang" };

interface Range {
  base: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.listening ? server.close(() => resolve()) : resolve());
}

/** Listen on consecutive 127.0.0.1 ports, one per listener, at a random base (bounded retries). */
async function listenRange(listeners: Listener[]): Promise<Range> {
  const sockets = new Set<Socket>();
  for (let attempt = 0; attempt < 30; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const servers: Server[] = [];
    let ok = true;
    for (const [i, listener] of listeners.entries()) {
      const server: Server = listener.kind === "http"
        ? createHttpServer(listener.handler)
        : createTcpServer((socket) =>
          listener.kind === "reset" ? socket.destroy() : sockets.add(socket)
        );
      servers.push(server);
      if (!(await listen(server, base + i))) {
        ok = false;
        break;
      }
    }
    const close = async () => {
      for (const socket of sockets) socket.destroy();
      for (const server of servers) {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }
      await Promise.all(servers.map(closeServer));
    };
    if (ok) return { base, close };
    await close();
  }
  throw new Error("no free range of consecutive ports found");
}

function json(body: unknown, status = 200): Handler {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(`${JSON.stringify(body)}\n`);
  };
}

interface Output {
  out: string[];
  err: string[];
  code: number;
}

async function list(adminPort: number): Promise<Output> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await listContainers({
    adminPort,
    write: (line) => out.push(line),
    writeError: (line) => err.push(line),
  });
  return { out, err, code };
}

const CONTAINERS = [
  {
    id: "b".repeat(64),
    name: "shop-1721370000-1",
    image: "127.0.0.1:5000/acme/shop@sha256:abc",
    status: "running",
    ip_port: "127.0.0.1:49154",
    started_at: "2026-07-19T06:20:01.123456789Z",
    deployed_at: "2026-07-19T15:20:00+09:00",
    labels: { "dewy.app": "shop" },
  },
  {
    id: "a".repeat(64),
    name: "shop-1721370000-0",
    image: "127.0.0.1:5000/acme/shop@sha256:abc",
    status: "running",
    ip_port: "127.0.0.1:49153",
    started_at: "2026-07-19T06:20:00.5Z",
    deployed_at: "2026-07-19T06:20:00Z",
    labels: { "dewy.app": "shop" },
  },
];

const TABLE = [
  "UPSTREAM           DEPLOY TIME            NAME",
  "127.0.0.1:49153    2026-07-19 06:20:00    shop-1721370000-0",
  "127.0.0.1:49154    2026-07-19 15:20:00    shop-1721370000-1",
];

test("list: prints the table sorted by name from a real admin API on the first port", async () => {
  const requests: string[] = [];
  const range = await listenRange([{
    kind: "http",
    handler: (request, response) => {
      requests.push(`${request.method} ${request.url}`);
      json({ containers: CONTAINERS })(request, response);
    },
  }]);
  try {
    const { out, err, code } = await list(range.base);
    assert.equal(code, 0);
    assert.deepEqual(out, TABLE);
    assert.deepEqual(err, []);
    assert.deepEqual(requests, ["GET /api/containers"]);
  } finally {
    await range.close();
  }
});

test("list: falls back past a port that is not HTTP and says which port answered", async () => {
  const range = await listenRange([{ kind: "reset" }, { kind: "reset" }, {
    kind: "http",
    handler: json({ containers: CONTAINERS }),
  }]);
  try {
    const { out, code } = await list(range.base);
    assert.equal(code, 0);
    assert.deepEqual(out, [...TABLE, "", `(Connected to admin API on port ${range.base + 2})`]);
  } finally {
    await range.close();
  }
});

test("list: a port that never answers is given up after the 2 s timeout", async () => {
  const range = await listenRange([{ kind: "hang" }, {
    kind: "http",
    handler: json({ containers: [] }),
  }]);
  try {
    const started = Date.now();
    const { out, code } = await list(range.base);
    const elapsed = Date.now() - started;
    assert.equal(code, 0);
    assert.deepEqual(out, [
      "No containers found.",
      "",
      `(Connected to admin API on port ${range.base + 1})`,
    ]);
    assert.ok(elapsed >= 1_900 && elapsed < 10_000, `took ${elapsed} ms`);
  } finally {
    await range.close();
  }
});

test("list: no dewy on any of the ten ports is an error naming the range", async () => {
  const range = await listenRange(Array.from({ length: 10 }, () => ({ kind: "reset" as const })));
  try {
    const { out, err, code } = await list(range.base);
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.deepEqual(err, [
      `Error: no running dewy instances found (tried ports ${range.base}-${range.base + 9})`,
    ]);
  } finally {
    await range.close();
  }
});

test("list: ten ports where nothing listens (connection refused) is the same error", async () => {
  const range = await listenRange(Array.from({ length: 10 }, () => ({ kind: "reset" as const })));
  await range.close();
  const { err, code } = await list(range.base);
  assert.equal(code, 1);
  assert.deepEqual(err, [
    `Error: no running dewy instances found (tried ports ${range.base}-${range.base + 9})`,
  ]);
});

test("list: the scan stops at the tenth port", async () => {
  const listeners: Listener[] = Array.from({ length: 10 }, () => ({ kind: "reset" }));
  const range = await listenRange([...listeners, {
    kind: "http",
    handler: json({ containers: CONTAINERS }),
  }]);
  try {
    const { code, err } = await list(range.base);
    assert.equal(code, 1);
    assert.match(err[0], /no running dewy instances found/);
  } finally {
    await range.close();
  }
});

test("list: empty and null container lists print No containers found.", async () => {
  for (const body of [{ containers: [] }, { containers: null }]) {
    const range = await listenRange([{ kind: "http", handler: json(body) }]);
    try {
      const { out, code } = await list(range.base);
      assert.equal(code, 0);
      assert.deepEqual(out, ["No containers found."]);
    } finally {
      await range.close();
    }
  }
});

test("list: a non-200 answer is an error with the status", async () => {
  const range = await listenRange([{ kind: "http", handler: json({ error: "boom" }, 500) }]);
  try {
    const { out, err, code } = await list(range.base);
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.deepEqual(err, ["Error: admin API returned status 500"]);
  } finally {
    await range.close();
  }
});

test("list: an answer that is not JSON is a parse error", async () => {
  const range = await listenRange([{
    kind: "http",
    handler: (_q, response) => response.end("<html>"),
  }]);
  try {
    const { err, code } = await list(range.base);
    assert.equal(code, 1);
    assert.equal(err.length, 1);
    assert.match(err[0], /^Error: failed to parse response: /);
  } finally {
    await range.close();
  }
});

test("list: JSON of the wrong shape is a parse error naming the field", async () => {
  const bad = [{ ...CONTAINERS[0], deployed_at: "yesterday" }];
  const range = await listenRange([{ kind: "http", handler: json({ containers: bad }) }]);
  try {
    const { err, code } = await list(range.base);
    assert.equal(code, 1);
    assert.deepEqual(err, [
      `Error: failed to parse response: containers[0].deployed_at "yesterday" is not an RFC 3339 time`,
    ]);
  } finally {
    await range.close();
  }
});

test("list table: UPSTREAM grows with the longest address, DEPLOY TIME is 23 wide", () => {
  const lines = renderContainerTable([
    { name: "b", ip_port: "[::1]:65000", deployed_at: "2026-01-02T03:04:05.999-07:00" },
    { name: "a", ip_port: "", deployed_at: "2026-01-02T03:04:05Z" },
  ]);
  assert.deepEqual(lines, [
    "UPSTREAM       DEPLOY TIME            NAME",
    "               2026-01-02 03:04:05    a",
    "[::1]:65000    2026-01-02 03:04:05    b",
  ]);
});
