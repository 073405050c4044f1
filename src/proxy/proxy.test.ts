import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "../../test/_node-net.ts";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { runtime } from "../../test/_runtime.ts";
import { type ProxyObserver, TcpProxy } from "./proxy.ts";
import { Backend } from "./backend.ts";
import { Logger } from "../log.ts";
import {
  emitted,
  exchange,
  refusedPort,
  startEchoServer,
  startReplyServer,
  startServer,
  waitFor,
} from "../../test/_net.ts";

async function startProxy(options: Partial<ConstructorParameters<typeof TcpProxy>[1]> = {}) {
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", ...options });
  await proxy.start();
  return proxy;
}

/** An observer that counts what the proxy reports. */
function countingObserver() {
  const counts = {
    opened: 0,
    closed: 0,
    bytesIn: 0,
    bytesOut: 0,
    dials: 0,
    errors: [] as string[],
    backends: 0,
  };
  const observer: ProxyObserver = {
    connectionOpened: () => void counts.opened++,
    connectionClosed: (_p, _s, bytesIn, bytesOut) => {
      counts.closed++;
      counts.bytesIn += bytesIn;
      counts.bytesOut += bytesOut;
    },
    backendConnected: () => void counts.dials++,
    error: (_p, kind) => void counts.errors.push(kind),
    backendsChanged: (_p, delta) => void (counts.backends += delta),
  };
  return { counts, observer };
}

test("proxy: round-trips bytes to a backend and back", async () => {
  const echo = await startEchoServer();
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    const payload = Buffer.alloc(300_000, 7);
    const { received } = await exchange(proxy.port, payload);
    assert.equal(received.length, payload.length);
    assert.ok(received.equals(payload));
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: round-robins over backends", async () => {
  const a = await startReplyServer("a");
  const b = await startReplyServer("b");
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", a.port));
    proxy.pool.add(new Backend("127.0.0.1", b.port));
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) {
      replies.push((await exchange(proxy.port, "ping")).received.toString());
    }
    assert.deepEqual(replies, ["a", "b", "a", "b"]);
  } finally {
    proxy.close();
    await a.close();
    await b.close();
  }
});

test("proxy: a refusing backend is skipped, the client is served by the next one", async () => {
  const good = await startReplyServer("served");
  const { counts, observer } = countingObserver();
  const proxy = await startProxy({ observer });
  try {
    proxy.pool.add(new Backend("127.0.0.1", await refusedPort()));
    proxy.pool.add(new Backend("127.0.0.1", good.port));
    for (let i = 0; i < 4; i++) {
      assert.equal((await exchange(proxy.port, "ping")).received.toString(), "served");
    }
    // Round robin lands on the refusing backend first for every client; each is retried on
    // the next and served, so no client counts as an error; the failed dials are still timed.
    assert.deepEqual(counts.errors, []);
    assert.equal(counts.dials, 8);
  } finally {
    proxy.close();
    await good.close();
  }
});

test("proxy: clients arriving together are each retried on the backend that answers", async () => {
  const good = await startReplyServer("served");
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", await refusedPort()));
    proxy.pool.add(new Backend("127.0.0.1", good.port));
    let unserved = 0;
    for (let round = 0; round < 20; round++) {
      // Two clients move the shared round-robin cursor while the first one's dial fails.
      const results = await Promise.all([exchange(proxy.port, "a"), exchange(proxy.port, "b")]);
      unserved += results.filter((r) => r.received.toString() !== "served").length;
    }
    assert.equal(unserved, 0, "a retry went back to the refusing backend");
  } finally {
    proxy.close();
    await good.close();
  }
});

/** A client of `proxy` is closed unanswered (within `timeoutMs`), and a no_backend counted. */
async function assertNoBackendClose(
  proxy: TcpProxy,
  counts: ReturnType<typeof countingObserver>["counts"],
  timeoutMs?: number,
): Promise<void> {
  const { received } = await exchange(proxy.port, "hello", timeoutMs);
  assert.equal(received.length, 0);
  assert.deepEqual(counts.errors, ["no_backend"]);
  await waitFor(() => counts.closed === 1, 2_000, "connection close report");
  assert.equal(proxy.openConnections, 0);
}

test("proxy: with no backend the client is closed and an error counted", async () => {
  const { counts, observer } = countingObserver();
  const proxy = await startProxy({ observer });
  try {
    await assertNoBackendClose(proxy, counts);
  } finally {
    proxy.close();
  }
});

test("proxy: half-close is propagated both ways (client FIN, then the response)", async () => {
  // The backend answers only after it has seen the client's FIN.
  const backend = await startServer((socket) => {
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("end", () => socket.end(`got ${Buffer.concat(parts).length} bytes`));
  });
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", backend.port));
    const { received } = await exchange(proxy.port, Buffer.alloc(1_000_000, 1));
    assert.equal(received.toString(), "got 1000000 bytes");
  } finally {
    proxy.close();
    await backend.close();
  }
});

test("proxy: a backend's FIN reaches the client while the client may still send", async () => {
  // Backend greets and half-closes at once, then reads what the client sends after.
  let afterFin = "";
  const backend = await startServer((socket) => {
    socket.end("greeting");
    socket.on("data", (d) => (afterFin += d.toString()));
  });
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", backend.port));
    const client = net.connect({ port: proxy.port, host: "127.0.0.1", allowHalfOpen: true });
    let got = "";
    client.on("data", (d) => (got += d.toString()));
    await waitFor(emitted(client, "end"), 3_000, "the backend's FIN at the client");
    assert.equal(got, "greeting");
    client.end("late words");
    await waitFor(() => afterFin === "late words", 3_000, "bytes sent after the backend's FIN");
    client.destroy();
  } finally {
    proxy.close();
    await backend.close();
  }
});

test("proxy: idle connections are closed after the idle timeout", async () => {
  const echo = await startEchoServer();
  const proxy = await startProxy({ idleTimeoutMs: 200 });
  try {
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    const client = net.connect({ port: proxy.port, host: "127.0.0.1" });
    client.on("error", () => {});
    client.resume(); // flowing, so the peer's close is noticed
    const closed = emitted(client, "close");
    const started = Date.now();
    await new Promise<void>((resolve) => client.on("connect", () => resolve()));
    client.write("x");
    await waitFor(closed, 3_000, "the idle connection to be closed");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 200, `closed after ${elapsed} ms, before the idle timeout`);
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: an active connection outlives the idle timeout", async () => {
  const echo = await startEchoServer();
  // 12 writes 100 ms apart last twice the idle timeout; the margin absorbs a stalled machine.
  const proxy = await startProxy({ idleTimeoutMs: 600 });
  try {
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    const client = net.connect({ port: proxy.port, host: "127.0.0.1" });
    let closed = false;
    let echoed = 0;
    client.on("close", () => (closed = true));
    client.on("data", (d) => (echoed += d.length));
    for (let i = 0; i < 12; i++) {
      client.write("ping");
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(() => echoed === 48 || closed, 3_000, "every ping echoed");
    assert.equal(closed, false, "an active connection was cut by the idle timeout");
    assert.equal(echoed, 48);
    client.destroy();
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: a backend dying mid-stream closes only its own connection", async () => {
  const victims: net.Socket[] = [];
  const backend = await startServer((socket) => {
    victims.push(socket);
    socket.write("hello");
  });
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", backend.port));
    const clients = [0, 1].map(() => {
      const socket = net.connect({ port: proxy.port, host: "127.0.0.1" });
      const client = { socket, closed: false, received: "" };
      socket.on("close", () => (client.closed = true)).on("error", () => {});
      socket.on("data", (d) => (client.received += d.toString()));
      return client;
    });
    await waitFor(() => victims.length === 2, 3_000, "two backend connections");
    await waitFor(() => clients.every((c) => c.received === "hello"), 3_000, "both greetings");
    victims[0].destroy();
    await waitFor(() => clients.some((c) => c.closed), 3_000, "one client closed");
    await waitFor(() => proxy.openConnections <= 1, 3_000, "the proxy to count the close");
    // The other connection still carries bytes after the close was handled.
    victims[1].write(" again");
    const survivor = clients.find((c) => !c.closed);
    assert.ok(survivor, "both client connections closed");
    await waitFor(() => survivor.received === "hello again", 3_000, "bytes on the survivor");
    assert.equal(survivor.closed, false);
    assert.equal(proxy.openConnections, 1);
    for (const c of clients) c.socket.destroy();
  } finally {
    proxy.close();
    await backend.close();
  }
});

test("proxy: a connection a backend resets is logged at debug level with the error", async () => {
  const victims: net.Socket[] = [];
  const backend = await startServer((socket) => void victims.push(socket));
  const lines: string[] = [];
  const logger = new Logger({ level: "debug", write: (line) => lines.push(line) });
  const proxy = await startProxy({ logger });
  try {
    proxy.pool.add(new Backend("127.0.0.1", backend.port));
    const client = net.connect({ port: proxy.port, host: "127.0.0.1" });
    client.on("error", () => {}).resume();
    await waitFor(() => victims.length === 1, 3_000, "the backend connection");
    victims[0].resetAndDestroy();
    await waitFor(() => proxy.openConnections === 0, 3_000, "the proxy to end the relay");
    const line = lines.find((l) => l.includes("Proxied connection ended by an error"));
    assert.ok(line, lines.join("\n"));
    assert.match(line, new RegExp(`backend=127.0.0.1:${backend.port}`));
    client.destroy();
  } finally {
    proxy.close();
    await backend.close();
  }
});

test("proxy: reports connections, bytes both ways and dials to its observer", async () => {
  const echo = await startEchoServer();
  const { counts, observer } = countingObserver();
  const proxy = await startProxy({ observer });
  try {
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    assert.equal(counts.backends, 1);
    for (let i = 0; i < 10; i++) await exchange(proxy.port, Buffer.alloc(1000 + i));
    await waitFor(() => counts.closed === 10, 3_000, "10 close reports");
    assert.equal(counts.opened, 10);
    assert.equal(counts.dials, 10);
    const sent = 10 * 1000 + 45;
    assert.equal(counts.bytesIn, sent);
    assert.equal(counts.bytesOut, sent);
    assert.deepEqual(counts.errors, []);
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: retiring a backend waits for its open connections (drain)", async () => {
  const echo = await startEchoServer();
  const proxy = await startProxy();
  try {
    const backend = proxy.pool.add(new Backend("127.0.0.1", echo.port));
    const client = net.connect({ port: proxy.port, host: "127.0.0.1" });
    client.on("error", () => {});
    let echoed = "";
    client.on("data", (d) => (echoed += d.toString()));
    client.write("before");
    await waitFor(() => echoed === "before", 3_000, "echo before retiring");
    let drained: boolean | undefined;
    const retiring = proxy.pool.retire(backend, AbortSignal.timeout(5_000))
      .then((idle) => (drained = idle));
    assert.equal(proxy.pool.size, 0);
    assert.equal(backend.acquire(), false, "a draining backend took a new connection");
    client.write("during");
    await waitFor(() => echoed === "beforeduring", 3_000, "the draining connection still works");
    assert.equal(drained, undefined, "retire resolved while a connection was still open");
    assert.equal(backend.active, 1);
    client.end();
    await retiring;
    assert.equal(drained, true);
    assert.equal(backend.active, 0);
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: 1,000 concurrent connections are all served", async () => {
  const echo = await startEchoServer();
  const proxy = await startProxy();
  try {
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    const clients = await Promise.all(
      Array.from({ length: 1000 }, () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ port: proxy.port, host: "127.0.0.1" });
          socket.once("connect", () => resolve(socket));
          socket.once("error", reject);
        })),
    );
    await waitFor(() => proxy.openConnections === 1000, 10_000, "1000 open proxied connections");
    const replies = await Promise.all(clients.map((socket, i) =>
      new Promise<string>((resolve) => {
        let got = "";
        socket.on("data", (d) => {
          got += d.toString();
          if (got.length >= String(i).length) resolve(got);
        });
        socket.write(String(i));
      })
    ));
    replies.forEach((reply, i) => assert.equal(reply, String(i)));
    for (const socket of clients) socket.destroy();
    await waitFor(() => proxy.openConnections === 0, 10_000, "all connections closed");
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: 200 MB to a slow reader keeps memory bounded (backpressure)", async () => {
  // Sender and slow reader run in a Node child process: this process holds only the proxy.
  const total = 200 * 1024 * 1024;
  const bulk = new URL("../../test/_bulk.mjs", import.meta.url).pathname;
  const sender = spawn("node", [bulk, "serve", String(total)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const proxy = await startProxy();
  try {
    const [line] = await once(sender.stdout!, "data");
    proxy.pool.add(new Backend("127.0.0.1", Number(String(line).trim())));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const reader = spawn("node", [bulk, "read", String(proxy.port), String(total)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    reader.stdout!.on("data", (d) => (output += d));
    try {
      await waitFor(emitted(reader, "exit"), 30_000, "the reader to get 200 MiB");
    } finally {
      clearInterval(sampler);
      reader.kill();
    }
    assert.equal(Number(output.trim()), total, "the reader got every byte");
    assert.equal(reader.exitCode, 0);
    const growthMiB = (peak - baseline) / 1024 / 1024;
    assert.ok(growthMiB < 64, `proxy memory grew by ${growthMiB.toFixed(0)} MiB relaying 200 MiB`);
  } finally {
    proxy.close();
    sender.kill();
  }
});

test("proxy: a client waiting for its backend is not read ahead, and nothing it sent is lost", async () => {
  let received = 0;
  let ended = false;
  const sink = await startServer((socket) => {
    socket.on("data", (d: Uint8Array) => void (received += d.length));
    socket.on("end", () => {
      socket.end();
      ended = true;
    });
  });
  const proxy = await startProxy();
  let release!: () => void;
  proxy.holdClientsUntil(new Promise<void>((resolve) => (release = resolve)), 10_000);
  // A Node child pushes as fast as the proxy takes it for 1 s while no backend exists.
  const bulk = new URL("../../test/_bulk.mjs", import.meta.url).pathname;
  const pusher = spawn("node", [bulk, "push", String(proxy.port), "1000"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  pusher.stdout!.on("data", (d) => (output += d));
  const exited = emitted(pusher, "exit");
  try {
    await waitFor(() => output.includes("held "), 10_000, "the pusher's first report");
    const held = Number(/held (\d+)/.exec(output)![1]);
    assert.ok(held < 64 * 1024 * 1024, `the proxy took ${held} bytes with nowhere to send them`);
    proxy.pool.add(new Backend("127.0.0.1", sink.port));
    release();
    await waitFor(exited, 10_000, "the pusher to finish");
    assert.equal(pusher.exitCode, 0);
    await waitFor(() => ended, 5_000, "the pusher's end at the backend");
    assert.equal(received, Number(/sent (\d+)/.exec(output)![1]));
  } finally {
    proxy.close();
    pusher.kill();
    await sink.close();
  }
});

test("proxy: at start-up a client waits for the first backend instead of being closed", async () => {
  const echo = await startReplyServer("adopted");
  const { counts, observer } = countingObserver();
  const proxy = await startProxy({ observer });
  try {
    let adopted!: () => void;
    proxy.holdClientsUntil(new Promise<void>((resolve) => (adopted = resolve)), 5_000);
    const reply = exchange(proxy.port, "ping");
    // Without the hold, the proxy closes the client within the accept: it is never counted.
    await waitFor(() => proxy.openConnections === 1, 3_000, "the client to be held");
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    adopted();
    assert.equal((await reply).received.toString(), "adopted");
    assert.deepEqual(counts.errors, []);
    // Once the gate is open, an empty pool closes clients again.
    proxy.pool.remove(proxy.pool.backends[0]);
    assert.equal((await exchange(proxy.port, "ping")).received.length, 0);
    assert.deepEqual(counts.errors, ["no_backend"]);
  } finally {
    proxy.close();
    await echo.close();
  }
});

test("proxy: a start-up gate that never opens holds a client only for maxWaitMs", async () => {
  const { counts, observer } = countingObserver();
  const proxy = await startProxy({ observer });
  try {
    proxy.holdClientsUntil(new Promise<void>(() => {}), 300);
    // Held until the limit (not closed at once), the client then finds no backend and is
    // closed as usual.
    const started = Date.now();
    await assertNoBackendClose(proxy, counts, 3_000);
    const heldMs = Date.now() - started;
    assert.ok(heldMs >= 250, `closed after ${heldMs} ms, before the 300 ms hold ended`);
  } finally {
    proxy.close();
  }
});
