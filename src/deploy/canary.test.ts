/** The canary soak's rules on a manual clock: pass, failure share, failed probes, exit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import { BackendTally } from "../proxy/backend.ts";
import { CanaryFailedError, type CanaryFailure, soak } from "./canary.ts";
import { ManualClock } from "./clock.ts";

/** A connection the backend answered: counted, not failed. */
const ANSWERED = { clientToBackend: 10, backendToClient: 20 };

/** A canary whose probe answers come from `probes` (then pass), with one tally. */
function canary(probes: Array<string | undefined> = [], running = true) {
  const tally = new BackendTally();
  const calls = { probes: 0 };
  return {
    tally,
    calls,
    watch: {
      name: "app-1-0",
      tallies: [tally],
      probe: () => Promise.resolve(probes[calls.probes++]),
      running: () => Promise.resolve(running),
    },
  };
}

/** Run a 10 s soak (1 % max), moving the clock 2 s at a time; its outcome and the ticks run. */
async function run(watch: ReturnType<typeof canary>["watch"], each?: (tick: number) => void) {
  const clock = new ManualClock();
  let outcome: "passed" | CanaryFailure | undefined;
  const done = soak(watch, { soakMs: 10_000, maxFailuresPercent: 1, clock, logger: silentLogger })
    .then(() => (outcome = "passed"))
    .catch((e: unknown) => {
      assert.ok(e instanceof CanaryFailedError, String(e));
      outcome = e.failure;
    });
  let ticks = 0;
  while (outcome === undefined && ticks < 10) {
    each?.(ticks);
    await clock.advance(2_000);
    ticks++;
  }
  await done;
  return { outcome, ticks };
}

test("canary: passes after the soak when probes pass and few connections fail", async () => {
  const c = canary();
  // 4 failures of 10: above 1 %, but below the minimum of 5 failures.
  const result = await run(c.watch, () => {
    if (c.tally.failures < 4) c.tally.dialFailed();
    else c.tally.ended(ANSWERED);
    c.tally.ended(ANSWERED);
  });
  assert.deepEqual(result, { outcome: "passed", ticks: 5 });
  assert.equal(c.calls.probes, 5, "probed every 2 s");
});

test("canary: fails on its failure share once at least 5 connections failed", async () => {
  const c = canary();
  const result = await run(c.watch, (tick) => {
    // 6 of 400 failed by the 4th tick: 1.5 %.
    const failed = tick >= 2 ? 3 : 0;
    for (let i = 0; i < failed; i++) c.tally.dialFailed();
    for (let i = failed; i < 100; i++) c.tally.ended(ANSWERED);
  });
  assert.deepEqual(result, { outcome: "failure share", ticks: 4 });
});

test("canary: 3 failed probes in a row fail it; a passing probe resets the count", async () => {
  assert.equal(
    (await run(canary(["503", "503", undefined, "503", "503"]).watch)).outcome,
    "passed",
  );
  assert.deepEqual(await run(canary([undefined, "503", "503", "503"]).watch), {
    outcome: "failed probes",
    ticks: 4,
  });
});

test("canary: a container that stopped running fails it at the first failed probe", async () => {
  assert.deepEqual(await run(canary(["refused"], false).watch), { outcome: "exited", ticks: 1 });
});

test("canary: the error says which rule failed and the numbers", () => {
  const error = new CanaryFailedError("app-1-0", "failure share", "6 of 400 connections failed");
  assert.match(error.message, /^canary app-1-0 failed its soak \(failure share\): 6 of 400/);
});
