import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock, realClock } from "./clock.ts";

test("clock: a manual clock wakes sleepers in deadline order only when advanced", async () => {
  const clock = new ManualClock(1_000);
  const woke: string[] = [];
  void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
  void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(woke, []);
  await clock.advance(200);
  assert.deepEqual(woke, ["a@1100"]);
  assert.equal(clock.now(), 1_200);
  await clock.advance(100);
  assert.deepEqual(woke, ["a@1100", "b@1300"]);
});

test("clock: sleeps reject with the abort reason, on both clocks", async () => {
  const clock = new ManualClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(1_000, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(sleeping, /stop/);
  const real = new AbortController();
  const realSleep = realClock.sleep(5_000, real.signal); // resolves (fails) if abort is ignored
  real.abort(new Error("halt"));
  await assert.rejects(realSleep, /halt/);
  await assert.rejects(realClock.sleep(1, real.signal), /halt/);
});
