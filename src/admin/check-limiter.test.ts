/**
 * `POST /api/deploy` over real HTTP cannot start more than one check per 5 s: a burst of
 * requests starts one check now and shares one more when the interval is over.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../test/_runtime.ts";
import { waitFor } from "../../test/_net.ts";
import { ManualClock } from "../deploy/clock.ts";
import type { DeployStatus } from "../deploy/types.ts";
import { createAdminApp } from "./app.ts";
import { ADMIN_CHECK_INTERVAL_MS } from "./check-limiter.ts";
import { startAdminServer } from "./server.ts";

const STATUS: DeployStatus = {
  app: "limited",
  currentVersion: "v1.0.0",
  currentDigest: "",
  proxyBackends: 1,
  replicas: 1,
  busy: false,
};

test("admin rate limit: a burst of POST /api/deploy starts one check now and one after 5 s", async () => {
  const clock = new ManualClock();
  let checks = 0;
  const app = createAdminApp({
    status: () => STATUS,
    containers: () => Promise.resolve([]),
    checkNow: () => {
      checks++;
      return Promise.resolve({ outcome: "up-to-date", version: "v1.0.0" });
    },
  }, { clock });
  let arrived = 0;
  const counted = { fetch: (request: Request) => (arrived++, app.fetch(request)) };
  const admin = await startAdminServer(runtime, counted, { port: 0 });
  const post = async (query = "") => {
    const res = await fetch(`http://127.0.0.1:${admin.port}/api/deploy${query}`, {
      method: "POST",
    });
    return { status: res.status, body: await res.json() };
  };
  try {
    const first = await post();
    assert.deepEqual([first.status, first.body.queued], [202, false]);
    const waiting = post("?wait=true");
    const burst = await Promise.all(Array.from({ length: 20 }, () => post()));
    for (const answer of burst) {
      assert.equal(answer.status, 202);
      assert.equal(answer.body.queued, true);
      assert.match(answer.body.message, /at most once every 5 s; this request joins the check at/);
    }
    await waitFor(() => arrived === 22, 5_000, "the waiting request to arrive");
    assert.equal(checks, 1, "the burst started no check of its own");
    await clock.advance(ADMIN_CHECK_INTERVAL_MS);
    await waitFor(() => checks === 2, 5_000, "the deferred check");
    assert.deepEqual(await waiting, {
      status: 200,
      body: { outcome: "up-to-date", version: "v1.0.0" },
    }, "a waiting request gets the deferred check's outcome");
    assert.equal(checks, 2, "21 requests in the interval shared one check");
    await clock.advance(ADMIN_CHECK_INTERVAL_MS);
    assert.equal((await post()).body.queued, false, "after the interval a check starts at once");
    assert.equal(checks, 3);
  } finally {
    await admin.server.close();
  }
});
