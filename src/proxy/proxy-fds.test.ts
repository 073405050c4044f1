import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "../../test/_node-net.ts";
import { readdirSync } from "node:fs";
import { runtime } from "../../test/_runtime.ts";
import { type ProxyObserver, TcpProxy } from "./proxy.ts";
import { Backend } from "./backend.ts";
import { exchange, refusedPort, startEchoServer, waitFor } from "../../test/_net.ts";

/** Connections made in total, in `LANES` parallel sequences. */
const CONNECTIONS = 10_000;
const LANES = 20;
/** Every connection of the run must be done within this (a bound, not a speed check). */
const RUN_BOUND_MS = 100_000;
/** fds the runtime may open for itself on the way (timers, thread wake-ups, caches). */
const FD_TOLERANCE = 4;

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Connect, send, reset the connection (RST) as soon as the echo arrives; resolve on close. */
function resetAfterEcho(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(
      () => (socket.destroy(), reject(new Error("reset client timed out"))),
      10_000,
    );
    socket.on("error", () => {});
    socket.once("connect", () => socket.write("ping"));
    socket.once("data", () => socket.resetAndDestroy());
    socket.once("close", () => (clearTimeout(timer), resolve()));
  });
}

function closeCounter() {
  const counts = { closed: 0 };
  const observer: ProxyObserver = {
    connectionOpened: () => {},
    connectionClosed: () => void counts.closed++,
    backendConnected: () => {},
    error: () => {},
    backendsChanged: () => {},
  };
  return { counts, observer };
}

test("proxy fds: 10,000 connections (echoed, reset by the client, backend refused) leave no fd open", async () => {
  const echo = await startEchoServer();
  const served = closeCounter();
  const refusing = closeCounter();
  const proxy = new TcpProxy(runtime, {
    port: 0,
    hostname: "127.0.0.1",
    observer: served.observer,
  });
  // No retry window: a client of the refusing backend is closed at once.
  const deadEnd = new TcpProxy(runtime, {
    port: 0,
    retryWindowMs: 0,
    hostname: "127.0.0.1",
    observer: refusing.observer,
  });
  await proxy.start();
  await deadEnd.start();
  try {
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    deadEnd.pool.add(new Backend("127.0.0.1", await refusedPort()));
    // Warm up, so fds the runtime opens once (on first connect, first timer) are in the baseline.
    for (let i = 0; i < 20; i++) {
      await exchange(proxy.port, "warm");
      await exchange(deadEnd.port, "warm");
      await resetAfterEcho(proxy.port);
    }
    await waitFor(
      () => proxy.openConnections === 0 && echo.sockets.size === 0,
      5_000,
      "warm-up closed",
    );
    const before = openFds();
    const closedBefore = served.counts.closed + refusing.counts.closed;

    const deadline = Date.now() + RUN_BOUND_MS;
    const kinds = { echoed: 0, reset: 0, refused: 0 };
    let next = 0;
    const lane = async () => {
      while (next < CONNECTIONS) {
        if (Date.now() > deadline) throw new Error(`not done within ${RUN_BOUND_MS} ms`);
        const i = next++;
        if (i % 10 === 8) {
          await resetAfterEcho(proxy.port);
          kinds.reset++;
        } else if (i % 10 === 9) {
          const { received } = await exchange(deadEnd.port, "ping");
          assert.equal(received.length, 0, "a client of a refusing backend got bytes");
          kinds.refused++;
        } else {
          const { received } = await exchange(proxy.port, "ping");
          assert.equal(received.toString(), "ping");
          kinds.echoed++;
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    assert.deepEqual(kinds, { echoed: 8_000, reset: 1_000, refused: 1_000 });

    await waitFor(
      () => proxy.openConnections === 0 && deadEnd.openConnections === 0 && echo.sockets.size === 0,
      10_000,
      "every proxied connection closed",
    );
    assert.equal(served.counts.closed + refusing.counts.closed - closedBefore, CONNECTIONS);
    // Closing is asynchronous in the runtimes; give the last closes a moment to reach the kernel.
    await waitFor(
      () => openFds() <= before + FD_TOLERANCE,
      2_000,
      () => `fds to close: ${openFds() - before} more open after ${CONNECTIONS} connections`,
    );
  } finally {
    proxy.close();
    deadEnd.close();
    await echo.close();
  }
});
