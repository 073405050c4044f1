/**
 * `dewy container list` against real listeners on 127.0.0.1: the port scan, what it prints,
 * and hostile answers (an oversized body is refused unread, names cannot forge lines).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withHttp } from "../../test/_http.ts";
import { listContainers } from "./list.ts";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "../../test/_node-http.ts";
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Server,
  type Socket,
} from "../../test/_node-net.ts";
import { ADMIN_CLIENT_TIMEOUT_MS } from "./admin-scan.ts";
import { runCli } from "../../test/_run-cli.ts";
import { closeServer } from "../../test/_net.ts";

/** Run `list` against `handler` on the first port of the scan; stdout and stderr lines. */
async function listAgainst(handler: () => Response) {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  await withHttp(handler, async (host) => {
    code = await listContainers({
      adminPort: Number(host.split(":")[1]),
      write: (line) => out.push(line),
      writeError: (line) => err.push(line),
      timeoutMs: 30_000,
    }).catch(() => -2);
  });
  return { out, err, code };
}

const entry = (name: string, ip_port = "127.0.0.1:49153") => ({
  name,
  ip_port,
  deployed_at: "2026-07-19T06:20:00Z",
});

test("list: an answer over 1 MiB is skipped unread, naming its size limit", async () => {
  const body = JSON.stringify({ containers: [entry("big-0")] }) + " ".repeat(3 * 1024 * 1024);
  const { out, err, code } = await listAgainst(() => new Response(body));
  assert.deepEqual(out, [], "the oversized answer was printed");
  assert.equal(code, 1);
  assert.match(err.join("\n"), /larger than 1 MiB/);
});

test("list: an endless answer is cut at 1 MiB, not read until the timeout", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  const { out, err } = await listAgainst(() =>
    new Response(
      new ReadableStream({
        pull(controller) {
          sent += chunk.length;
          if (sent > 64 * 1024 * 1024) controller.close(); // bound the test
          else controller.enqueue(chunk);
        },
      }),
    )
  );
  assert.deepEqual(out, []);
  assert.match(err.join("\n"), /larger than 1 MiB/);
  // The server may buffer ahead of the reader; the stream must still be cancelled early.
  assert.ok(sent < 32 * 1024 * 1024, `${sent} bytes were sent before the list gave up`);
});

test("list: control characters and CR/LF in names and addresses are stripped before printing", async () => {
  const { out, code } = await listAgainst(() =>
    Response.json({
      containers: [
        entry("app-0\r\n127.0.0.1:1    2026-01-01 00:00:00    forged\u001b[2K\u0007"),
        entry("app-1\u202e\u0000", "127.0.0.1:1\u001b]0;title\u0007"),
      ],
    })
  );
  assert.equal(code, 0);
  assert.equal(out.length, 3, `one header and two rows: ${JSON.stringify(out)}`);
  for (const line of out) {
    // deno-lint-ignore no-control-regex -- looking for control characters is the point
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, line);
  }
  assert.match(out[1], /app-0127\.0\.0\.1:1 {4}2026-01-01 00:00:00 {4}forged\[2K$/);
});

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
  /** First port of the range the listeners got. */
  base: number;
  out: string[];
  err: string[];
  code: number;
}

/** Start `listeners` on consecutive ports, run `listContainers` on the first, stop them. */
async function listOn(listeners: Listener[], timeoutMs?: number): Promise<Output> {
  const range = await listenRange(listeners);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await listContainers({
      adminPort: range.base,
      write: (line) => out.push(line),
      writeError: (line) => err.push(line),
      timeoutMs,
    });
    return { base: range.base, out, err, code };
  } finally {
    await range.close();
  }
}

const resets = (n: number): Listener[] => Array.from({ length: n }, () => ({ kind: "reset" }));

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
  const { out, err, code } = await listOn([{
    kind: "http",
    handler: (request, response) => {
      requests.push(`${request.method} ${request.url}`);
      json({ containers: CONTAINERS })(request, response);
    },
  }]);
  assert.equal(code, 0);
  assert.deepEqual(out, TABLE);
  assert.deepEqual(err, []);
  assert.deepEqual(requests, ["GET /api/containers"]);
});

test("list: falls back past ports that are not HTTP and says which port answered", async () => {
  const { base, out, code } = await listOn([...resets(2), {
    kind: "http",
    handler: json({ containers: CONTAINERS }),
  }]);
  assert.equal(code, 0);
  assert.deepEqual(out, [...TABLE, "", `(Connected to admin API on port ${base + 2})`]);
});

test("list: a port that never answers is given up after the timeout, and the scan goes on", async () => {
  const started = Date.now();
  const { base, out, code } = await listOn([{ kind: "hang" }, {
    kind: "http",
    handler: json({ containers: [] }),
  }], 300);
  const elapsed = Date.now() - started;
  assert.equal(code, 0);
  assert.deepEqual(out, [
    "No containers found.",
    "",
    `(Connected to admin API on port ${base + 1})`,
  ]);
  // The hanging port got its full timeout: it was waited for, not skipped.
  assert.ok(elapsed >= 280, `gave up after ${elapsed} ms`);
  // Without timeoutMs, listContainers uses this one: the original's 2 s client timeout.
  assert.equal(ADMIN_CLIENT_TIMEOUT_MS, 2_000);
});

test("list: no dewy on any of the ten ports is an error naming the range", async () => {
  const { base, out, err, code } = await listOn(resets(10));
  assert.equal(code, 1);
  assert.deepEqual(out, []);
  assert.deepEqual(err, [notFound(base)]);
});

test("list: ten ports where nothing listens (connection refused) is the same error", async () => {
  const range = await listenRange(resets(10));
  await range.close();
  const err: string[] = [];
  const code = await listContainers({
    adminPort: range.base,
    write: () => {},
    writeError: (line) => err.push(line),
  });
  assert.equal(code, 1);
  assert.deepEqual(err, [notFound(range.base)]);
});

test("list: the scan stops at the tenth port", async () => {
  const { code, err } = await listOn([...resets(10), {
    kind: "http",
    handler: json({ containers: CONTAINERS }),
  }]);
  assert.equal(code, 1);
  assert.match(err[0], /no running dewy instances found/);
  assert.match(
    err[0],
    /start one with "dewy container .*", or pass the --admin-port it was started with$/,
  );
});

test("list: empty and null container lists print No containers found.", async () => {
  for (const body of [{ containers: [] }, { containers: null }]) {
    const { out, code } = await listOn([{ kind: "http", handler: json(body) }]);
    assert.equal(code, 0);
    assert.deepEqual(out, ["No containers found."]);
  }
});

/** The error of a scan from `base` in which no port answered with dewy's container list. */
function notFound(base: number, answers?: string): string {
  return `Error: no running dewy instances found (tried ports ${base}-${base + 9}` +
    (answers ? `; answers that are not dewy's container list: ${answers}` : "") +
    `); start one with "dewy container --registry img://HOST/REPO --port PROXY", ` +
    "or pass the --admin-port it was started with";
}

/** Another web server: `status` with an HTML page for every path. */
function webServer(status: number): Handler {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "text/html" });
    response.end("<html><body>not dewy</body></html>\n");
  };
}

test("list: another HTTP server on the first port is skipped, the dewy behind it answers", async () => {
  for (const other of [webServer(404), webServer(200), json({ status: "ok" })]) {
    const { base, out, err, code } = await listOn([
      { kind: "http", handler: other },
      { kind: "reset" },
      { kind: "http", handler: json({ containers: CONTAINERS }) },
    ]);
    assert.equal(code, 0, err.join("\n"));
    assert.deepEqual(out, [...TABLE, "", `(Connected to admin API on port ${base + 2})`]);
    assert.equal(err.length, 1, err.join("\n"));
    assert.match(
      err[0],
      new RegExp(`^Skipped port ${base}: (status 404|failed to parse response)`),
    );
  }
});

test("list: a failing dewy on the first port is named when a second dewy answers", async () => {
  const { base, out, err, code } = await listOn([
    { kind: "http", handler: json({ error: "cannot list containers: engine down" }, 500) },
    { kind: "http", handler: json({ containers: CONTAINERS }) },
  ]);
  assert.equal(code, 0);
  assert.deepEqual(out, [...TABLE, "", `(Connected to admin API on port ${base + 1})`]);
  assert.deepEqual(err, [
    `Skipped port ${base}: status 500: cannot list containers: engine down`,
  ]);
});

test("list: when no port has dewy's list, the error names the ports and each answer", async () => {
  const { base, out, err, code } = await listOn([
    { kind: "http", handler: webServer(404) },
    { kind: "http", handler: json({ error: "cannot list containers: engine down" }, 500) },
    ...resets(8),
  ]);
  assert.equal(code, 1);
  assert.deepEqual(out, []);
  assert.deepEqual(err, [
    notFound(
      base,
      `port ${base} status 404, port ${base + 1} status 500: cannot list containers: engine down`,
    ),
  ]);
});

test("list: an answer that is not JSON is named with its parse error", async () => {
  const { base, err, code } = await listOn([{ kind: "http", handler: webServer(200) }]);
  assert.equal(code, 1);
  assert.equal(err.length, 1);
  assert.ok(
    err[0].startsWith(
      `Error: no running dewy instances found (tried ports ${base}-${base + 9}; answers that ` +
        `are not dewy's container list: port ${base} failed to parse response: `,
    ),
    err[0],
  );
});

test("list: JSON of the wrong shape is named with the field", async () => {
  const bad = [{ ...CONTAINERS[0], deployed_at: "yesterday" }];
  const { base, err, code } = await listOn([{ kind: "http", handler: json({ containers: bad }) }]);
  assert.equal(code, 1);
  assert.deepEqual(err, [
    notFound(
      base,
      `port ${base} failed to parse response: containers[0].deployed_at "yesterday" is not an RFC 3339 time`,
    ),
  ]);
});

test("list: the CLI reaches its admin API directly although HTTP_PROXY is set", async () => {
  // A proxy that cannot reach this host's loopback: it answers 502 to everything.
  const proxy = createTcpServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
  });
  await listen(proxy, 0);
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const range = await listenRange([{ kind: "http", handler: json({ containers: [] }) }]);
  try {
    const { code, output } = await runCli(
      ["container", "list", "--admin-port", `${range.base}`],
      { HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: "", no_proxy: "" },
    );
    assert.equal(code, 0, output);
    assert.match(output, /No containers found\./);
  } finally {
    await range.close();
    await closeServer(proxy);
  }
});
