/** The canary's per-backend counts, kept by the real proxy over real sockets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../test/_runtime.ts";
import { exchange, refusedPort, startReplyServer, startServer, waitFor } from "../../test/_net.ts";
import { TcpProxy } from "./proxy.ts";
import { Backend, BackendTally } from "./backend.ts";

test("proxy tally: a watched backend counts answers, silent closes and refused dials", async () => {
  const good = await startReplyServer("ok");
  // Reads the request, then closes without a byte: what a crashing handler looks like.
  const silent = await startServer((socket) => socket.once("data", () => socket.destroy()));
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1" });
  await proxy.start();
  try {
    const watched = new Backend("127.0.0.1", good.port);
    watched.tally = new BackendTally();
    proxy.pool.add(watched);
    for (let i = 0; i < 3; i++) {
      assert.equal((await exchange(proxy.port, "GET")).received + "", "ok");
    }
    await waitFor(() => watched.tally!.attempts === 3, 5_000, "three counted connections");
    assert.deepEqual({ ...watched.tally }, { attempts: 3, failures: 0 });

    proxy.pool.remove(watched);
    const failing = new Backend("127.0.0.1", silent.port);
    failing.tally = new BackendTally();
    proxy.pool.add(failing);
    for (let i = 0; i < 2; i++) await exchange(proxy.port, "GET");
    await waitFor(() => failing.tally!.attempts === 2, 5_000, "two counted connections");
    assert.deepEqual({ ...failing.tally }, { attempts: 2, failures: 2 });

    // A refused dial counts as a failure of that backend; the client is served by the next.
    // Two clients: round robin sends one of them to the refusing backend first.
    proxy.pool.remove(failing);
    const refused = new Backend("127.0.0.1", await refusedPort());
    refused.tally = new BackendTally();
    proxy.pool.add(refused);
    proxy.pool.add(watched);
    for (let i = 0; i < 2; i++) {
      assert.equal((await exchange(proxy.port, "GET")).received + "", "ok");
    }
    assert.deepEqual({ ...refused.tally }, { attempts: 1, failures: 1 });
  } finally {
    proxy.close();
    await good.close();
    await silent.close();
  }
});

test("proxy tally: an unwatched backend carries none", () => {
  assert.equal(new Backend("127.0.0.1", 1).tally, undefined);
});
