import { test } from "node:test";
import assert from "node:assert/strict";
import { BackendPool } from "../proxy/pool.ts";
import { silentLogger } from "../log.ts";
import { ManualClock } from "./clock.ts";
import { MissingProxyError } from "./errors.ts";
import type { Replica } from "./replica.ts";
import { ReplicaSet } from "./replica-set.ts";

const PORTS = [{ proxyPort: 80, containerPort: 8080 }, { proxyPort: 81, containerPort: 9090 }];

function setUp() {
  const web = new BackendPool();
  const admin = new BackendPool();
  const clock = new ManualClock();
  const changes: number[] = [];
  const set = new ReplicaSet({
    proxies: new Map([[80, { pool: web }], [81, { pool: admin }]]),
    logger: silentLogger,
    clock,
    observer: {
      replicasChanged: (delta) => void changes.push(delta),
      deploymentSucceeded() {},
      deploymentFailed() {},
      healthCheck() {},
    },
  });
  return { web, admin, clock, changes, set };
}

function replica(name: string, base: number): Replica {
  const hostPorts = new Map([[8080, base], [9090, base + 1]]);
  return { id: name, name, index: 0, version: "v1", digest: "d", image: "i", hostPorts };
}

test("replica set: join puts a replica behind every mapping's proxy; lose takes it out", () => {
  const { web, admin, changes, set } = setUp();
  const a = replica("a", 32768);
  set.join(a, PORTS);
  assert.deepEqual(web.backends.map((b) => b.address), ["127.0.0.1:32768"]);
  assert.deepEqual(admin.backends.map((b) => b.address), ["127.0.0.1:32769"]);
  assert.deepEqual([set.size, set.inRotation, set.find("a")], [1, 1, a]);
  assert.deepEqual(set.backendsOf(a), [...web.backends, ...admin.backends]);
  set.lose(a, "died");
  assert.deepEqual([web.size, admin.size, set.size, set.find("a")], [0, 0, 0, undefined]);
  assert.deepEqual(changes, [1, -1]);
});

test("replica set: a mapping without a proxy changes nothing", () => {
  const { web, set } = setUp();
  assert.throws(
    () => set.join(replica("a", 1), [...PORTS, { proxyPort: 82, containerPort: 8080 }]),
    MissingProxyError,
  );
  assert.deepEqual([web.size, set.size], [0, 0]);
});

test("replica set: retire drains until the open connections end, bounded by the clock", async () => {
  const { web, clock, set } = setUp();
  const a = replica("a", 1);
  const b = replica("b", 3);
  set.join(a, PORTS);
  set.join(b, PORTS);
  const [busyA] = set.backendsOf(a);
  const [busyB] = set.backendsOf(b);
  busyA.acquire();
  busyB.acquire();
  let drainedA: boolean | undefined;
  const retiringA = set.retire(a, 30_000).then((d) => (drainedA = d));
  const retiringB = set.retire(b, 30_000);
  assert.deepEqual([web.size, set.size], [0, 0], "out of rotation at once");
  assert.equal(clock.pendingSleeps, 2, "both drains wait on the clock");
  busyA.release();
  await retiringA;
  assert.equal(drainedA, true);
  await clock.advance(30_000);
  assert.equal(await retiringB, false, "the drain time ended it");
});

test("replica set: forget leaves the rotation alone; retireAll empties it", async () => {
  const { web, set } = setUp();
  set.join(replica("a", 1), PORTS);
  assert.equal(set.forget(), 1);
  assert.deepEqual([set.size, web.size], [0, 1]);
  set.join(replica("b", 3), PORTS);
  await set.retireAll(0);
  assert.deepEqual([set.size, web.size], [0, 1]);
});
