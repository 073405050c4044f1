/** The canary's per-backend counts, kept by the real proxy over real sockets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../test/_runtime.ts";
import { exchange, refusedPort, startReplyServer, startServer, waitFor } from "../../test/_net.ts";
import { TcpProxy } from "./proxy.ts";
import { Backend, type BackendTally } from "./backend.ts";

/** The two counts of a tally, for one deepEqual. */
function counts(tally: BackendTally) {
  return { attempts: tally.attempts, failures: tally.failures };
}

test("proxy tally: a watched backend counts answers, silent closes and refused dials", async () => {
  const good = await startReplyServer("ok");
  // Reads the request, then closes without a byte: what a crashing handler looks like.
  const silent = await startServer((socket) => socket.once("data", () => socket.destroy()));
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1" });
  await proxy.start();
  try {
    const watched = new Backend("127.0.0.1", good.port);
    const watchedTally = watched.watch();
    proxy.pool.add(watched);
    for (let i = 0; i < 3; i++) {
      assert.equal((await exchange(proxy.port, "GET")).received + "", "ok");
    }
    await waitFor(() => watchedTally.attempts === 3, 5_000, "three counted connections");
    assert.deepEqual(counts(watchedTally), { attempts: 3, failures: 0 });

    proxy.pool.remove(watched);
    const failing = new Backend("127.0.0.1", silent.port);
    const failingTally = failing.watch();
    proxy.pool.add(failing);
    for (let i = 0; i < 2; i++) await exchange(proxy.port, "GET");
    await waitFor(() => failingTally.attempts === 2, 5_000, "two counted connections");
    assert.deepEqual(counts(failingTally), { attempts: 2, failures: 2 });

    // A refused dial counts as a failure of that backend; the client is served by the next.
    // Two clients: round robin sends one of them to the refusing backend first.
    proxy.pool.remove(failing);
    const refused = new Backend("127.0.0.1", await refusedPort());
    const refusedTally = refused.watch();
    proxy.pool.add(refused);
    proxy.pool.add(watched);
    for (let i = 0; i < 2; i++) {
      assert.equal((await exchange(proxy.port, "GET")).received + "", "ok");
    }
    assert.deepEqual(counts(refusedTally), { attempts: 1, failures: 1 });
  } finally {
    proxy.close();
    await good.close();
    await silent.close();
  }
});

test("proxy tally: an unwatched backend carries none; watch() starts a fresh one", () => {
  const backend = new Backend("127.0.0.1", 1);
  assert.equal(backend.tally, undefined);
  backend.watch().dialFailed();
  assert.deepEqual(counts(backend.tally!), { attempts: 1, failures: 1 });
  assert.deepEqual(counts(backend.watch()), { attempts: 0, failures: 0 });
  backend.unwatch();
  assert.equal(backend.tally, undefined);
});
