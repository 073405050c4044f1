import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "../../test/_node-net.ts";
import { runtime } from "../../test/_runtime.ts";
import { exchange, refusedPort, waitFor } from "../../test/_net.ts";
import { Logger } from "../log.ts";
import { Backend } from "./backend.ts";
import { TcpProxy } from "./proxy.ts";
import type { ProxyErrorKind } from "./error-kinds.ts";
import type { ProxyObserver } from "./types.ts";

const CLIENTS = 5;

/** A proxy on 127.0.0.1 whose warnings land in `warnings` and errors in `errors`. */
async function startProxy(retryWindowMs: number) {
  const warnings: Record<string, unknown>[] = [];
  const errors: ProxyErrorKind[] = [];
  const observer: ProxyObserver = {
    connectionOpened: () => {},
    connectionClosed: () => {},
    backendConnected: () => {},
    error: (_port, kind) => void errors.push(kind),
    backendsChanged: () => {},
  };
  const logger = new Logger({
    level: "warn",
    format: "json",
    write: (line) => warnings.push(JSON.parse(line)),
  });
  const proxy = new TcpProxy(runtime, {
    port: 0,
    hostname: "127.0.0.1",
    retryWindowMs,
    observer,
    logger,
  });
  await proxy.start();
  return { proxy, warnings, errors };
}

/** Listen on `port` of 127.0.0.1 and answer `reply` to every client's first bytes. */
async function listenOn(port: number, reply: string): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.end(reply));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

test("proxy retry window: clients held while the backend refuses for 500 ms are served", async () => {
  const port = await refusedPort();
  const { proxy, warnings, errors } = await startProxy(2_000);
  let server: net.Server | undefined;
  try {
    proxy.pool.add(new Backend("127.0.0.1", port));
    const replies = Array.from({ length: CLIENTS }, () => exchange(proxy.port, "ping", 10_000));
    // Every client is held (none closed), then the backend comes up 500 ms later.
    await waitFor(() => proxy.openConnections === CLIENTS, 5_000, "the clients to be held");
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await listenOn(port, "back");
    const received = (await Promise.all(replies)).map((r) => r.received.toString());
    assert.deepEqual(received, Array(CLIENTS).fill("back"));
    assert.deepEqual(errors, [], "a served client counts as no error");
    proxy.close(); // logs what the window counted so far
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0].msg, "Backend connections failed");
    assert.equal(warnings[0].clients_held, CLIENTS);
    assert.equal(warnings[0].served_after_retry, CLIENTS);
    assert.equal(warnings[0].clients_failed, 0);
    assert.ok(Number(warnings[0].refused) >= CLIENTS);
  } finally {
    proxy.close();
    await new Promise((resolve) => server ? server.close(resolve) : resolve(undefined));
  }
});

test("proxy retry window: a backend that never comes back fails its clients, one warning", async () => {
  const port = await refusedPort();
  const { proxy, warnings, errors } = await startProxy(300);
  try {
    proxy.pool.add(new Backend("127.0.0.1", port));
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, () => exchange(proxy.port, "ping", 10_000)),
    );
    assert.deepEqual(results.map((r) => r.received.length), Array(CLIENTS).fill(0));
    assert.deepEqual(errors, Array(CLIENTS).fill("connect_failed"));
    // The window's line comes once no client is held any more (or at close, whichever first).
    await waitFor(() => warnings.length > 0 || proxy.openConnections === 0, 5_000, "the close");
    proxy.close();
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0].clients_held, CLIENTS);
    assert.equal(warnings[0].clients_failed, CLIENTS);
    assert.equal(warnings[0].served_after_retry, 0);
    assert.equal(warnings[0].backends, `127.0.0.1:${port}`);
  } finally {
    proxy.close();
  }
});

test("proxy retry window: 0 closes a client at once when no backend accepts", async () => {
  const { proxy, errors } = await startProxy(0);
  try {
    proxy.pool.add(new Backend("127.0.0.1", await refusedPort()));
    assert.equal((await exchange(proxy.port, "ping", 5_000)).received.length, 0);
    assert.deepEqual(errors, ["connect_failed"]);
  } finally {
    proxy.close();
  }
});
