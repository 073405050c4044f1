import { test } from "node:test";
import assert from "node:assert/strict";
import { Backend } from "./backend.ts";
import { BackendPool } from "./pool.ts";

test("backend: acquire and release count the open connections", () => {
  const backend = new Backend("127.0.0.1", 8080);
  assert.equal(backend.acquire(), true);
  assert.equal(backend.acquire(), true);
  assert.equal(backend.active, 2);
  backend.release();
  assert.equal(backend.active, 1);
});

test("backend: drain resolves once the last connection is released", async () => {
  const backend = new Backend("127.0.0.1", 8080);
  backend.acquire();
  let drained: boolean | undefined;
  const draining = backend.drain().then((idle) => (drained = idle));
  await Promise.resolve();
  assert.equal(drained, undefined);
  assert.equal(backend.acquire(), false, "a draining backend took a new connection");
  assert.equal(backend.active, 1);
  backend.release();
  await draining;
  assert.equal(drained, true);
});

test("backend: drain resolves false when its signal aborts first", async () => {
  const backend = new Backend("127.0.0.1", 8080);
  backend.acquire();
  const stop = new AbortController();
  const draining = backend.drain(stop.signal);
  stop.abort();
  assert.equal(await draining, false);
  assert.equal(await new Backend("127.0.0.1", 1).drain(stop.signal), true, "an idle one");
});

test("pool: round robin over the rotation; retire takes a backend out and drains it", async () => {
  const changes: number[] = [];
  const pool = new BackendPool((_, delta) => changes.push(delta));
  const a = pool.add(new Backend("127.0.0.1", 1));
  const b = pool.add(new Backend("127.0.0.1", 2));
  assert.deepEqual([pool.next(), pool.next(), pool.next()], [a, b, a]);
  assert.equal(await pool.retire(a), true);
  assert.deepEqual(pool.backends, [b]);
  assert.equal(a.draining, true);
  assert.throws(() => pool.add(a), /was drained/);
  assert.equal(pool.remove(a), false);
  assert.deepEqual(changes, [1, 1, -1]);
});
