import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { watchContainerExits } from "./events.ts";
import { Logger } from "../log.ts";
import type { Engine, EngineEvent } from "../engine/types.ts";

test("events: exits are reported and a broken stream is re-subscribed after a pause", async () => {
  const clock = new ManualClock();
  const controller = new AbortController();
  const gone: string[] = [];
  let subscriptions = 0;
  let emit: (e: EngineEvent) => void = () => {};
  const engine = {
    events: (
      labels: Record<string, string>,
      onEvent: (e: EngineEvent) => void,
      signal: AbortSignal,
    ) => {
      subscriptions++;
      assert.deepEqual(labels, { "dewy.managed": "true", "dewy.app": "app" });
      if (subscriptions === 1) return Promise.reject(new Error("engine restarted"));
      emit = onEvent;
      return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    },
  } as unknown as Engine;
  const lines: string[] = [];
  const watching = watchContainerExits({
    engine,
    app: "app",
    onGone: (id, action) => gone.push(`${action} ${id}`),
    clock,
    logger: new Logger({ write: (l) => lines.push(l) }),
    signal: controller.signal,
  });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(subscriptions, 1);
  assert.ok(
    lines.some((l) => l.includes("Engine event stream failed") && l.includes("engine restarted")),
  );
  await clock.advance(5_000);
  assert.equal(subscriptions, 2);
  emit({ action: "start", id: "a", labels: {} });
  emit({ action: "die", id: "a", labels: {} });
  emit({ action: "destroy", id: "b", labels: {} });
  assert.deepEqual(gone, ["die a", "destroy b"]);
  controller.abort();
  await watching;
});
