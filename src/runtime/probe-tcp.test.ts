import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../test/_runtime.ts";
import { refusedPort, startServer } from "../../test/_net.ts";

const SETTLE_MS = 150;

test("probeTcp: a server that keeps the connection open is serving", async () => {
  const server = await startServer(() => {});
  try {
    assert.equal(await runtime.probeTcp("127.0.0.1", server.port, 2_000, SETTLE_MS), true);
  } finally {
    await server.close();
  }
});

test("probeTcp: a server that greets first is serving", async () => {
  const server = await startServer((socket) => socket.end("220 ready\r\n"));
  try {
    assert.equal(await runtime.probeTcp("127.0.0.1", server.port, 2_000, SETTLE_MS), true);
  } finally {
    await server.close();
  }
});

test("probeTcp: a refused port is not serving", async () => {
  assert.equal(await runtime.probeTcp("127.0.0.1", await refusedPort(), 2_000, SETTLE_MS), false);
});

test("probeTcp: a forwarder that accepts and closes at once (docker-proxy, app not up) is not serving", async () => {
  const forwarder = await startServer((socket) => socket.destroy());
  try {
    // The forwarder runs in this process: a long settle lets a stalled event loop deliver the
    // close before the probe decides (the probe's own default is what dewy uses in production).
    assert.equal(await runtime.probeTcp("127.0.0.1", forwarder.port, 2_000, 1_000), false);
  } finally {
    await forwarder.close();
  }
});
