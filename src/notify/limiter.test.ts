/**
 * `ErrorLimitingNotifier.settled`: shutdown waits for deliveries that were started without
 * waiting, and gives up at its deadline when one hangs.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { silentLogger } from "../log.ts";
import { ErrorLimitingNotifier } from "./limiter.ts";
import type { Channel } from "./types.ts";

/** A channel whose deliveries finish when `release()` is called. */
function heldChannel(): { channel: Channel; delivered: string[]; release: () => void } {
  const delivered: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const channel: Channel = {
    name: "held",
    message: async (text) => {
      await held;
      delivered.push(text);
    },
    hookResult: () => Promise.resolve(),
  };
  return { channel, delivered, release: () => release() };
}

test("notify limiter: settled() waits for an error sent without waiting", async () => {
  const { channel, delivered, release } = heldChannel();
  const notifier = new ErrorLimitingNotifier({ channel, quiet: false, logger: silentLogger });
  void notifier.sendError(new Error("registry down"));
  const settled = notifier.settled(5_000);
  setTimeout(release, 50);
  assert.equal(await settled, true);
  assert.deepEqual(delivered, ["Error occurred (count: 1): registry down"]);
});

test("notify limiter: settled() gives up at its deadline when a delivery hangs", async () => {
  const { channel, delivered, release } = heldChannel();
  const notifier = new ErrorLimitingNotifier({ channel, quiet: false, logger: silentLogger });
  void notifier.send("started");
  assert.equal(await notifier.settled(100), false);
  assert.deepEqual(delivered, []);
  release();
  assert.equal(await notifier.settled(1_000), true);
});
