import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { EngineError, EngineUnreachableError } from "../engine/errors.ts";
import type { Engine } from "../engine/types.ts";
import { Logger } from "../log.ts";
import { removeContainer } from "./replica.ts";
import { LEFTOVER_RETRY_MS, Leftovers } from "./leftovers.ts";
import { testConfig } from "../../test/_config.ts";
import { waitFor } from "../../test/_net.ts";

/** An engine that is away (every call fails unreachable) until `back()` is called. */
function outageEngine() {
  let away = true;
  const removed: string[] = [];
  const unreachable = () =>
    Promise.reject(new EngineUnreachableError("/run/docker.sock", "connection refused"));
  const engine = {
    stopContainer: () => away ? unreachable() : Promise.resolve(),
    removeContainer: (id: string) => {
      if (away) return unreachable();
      removed.push(id);
      return Promise.resolve();
    },
  } as unknown as Engine;
  return { engine, removed, back: () => void (away = false) };
}

test("leftovers: a container the absent engine could not remove goes once it answers", async () => {
  const { engine, removed, back } = outageEngine();
  const lines: string[] = [];
  const logger = new Logger({ write: (line) => lines.push(line) });
  const clock = new ManualClock();
  const leftovers = new Leftovers({ engine, logger, clock });
  const stop = new AbortController();
  const loop = leftovers.loop(stop.signal);
  try {
    const ctx = { engine, logger, config: testConfig(), leftovers };
    const gone = await removeContainer(ctx, { id: "c1", name: "app-1-0" }, 1);
    assert.equal(gone, false);
    assert.equal(leftovers.size, 1);
    assert.match(lines.join("\n"), /Cannot remove container while the engine is away/);

    await clock.advance(LEFTOVER_RETRY_MS); // still away: kept
    await leftovers.removeNow();
    assert.deepEqual(removed, []);
    assert.equal(leftovers.size, 1);

    back();
    await clock.advance(LEFTOVER_RETRY_MS);
    await waitFor(() => removed.length > 0, 5_000, "the removal once the engine is back");
    assert.deepEqual(removed, ["c1"]);
    assert.equal(leftovers.size, 0);
    assert.match(lines.join("\n"), /Removed container left behind while the engine was away/);
  } finally {
    stop.abort();
    await loop;
  }
});

test("leftovers: an engine that answers with a refusal is not retried", async () => {
  const logger = new Logger({ write: () => {} });
  const engine = {
    removeContainer: () => Promise.reject(EngineError.rejected("remove container c1", 500, "x")),
  } as unknown as Engine;
  const leftovers = new Leftovers({ engine, logger, clock: new ManualClock() });
  assert.equal(Leftovers.retriable(EngineError.rejected("remove", 500, "x")), false);
  leftovers.add({ id: "c1", name: "app-1-0" });
  await leftovers.removeNow();
  assert.equal(leftovers.size, 0, "given up, logged as an error");
});
